//! The emulator's memory: per-key tenants holding snapshots, VMs,
//! idempotency keys and the request log. Time is the host's (`Clock`):
//! instants are milliseconds on its monotonic clock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

/// The host's time. `now_ms` is monotonic (builds and boots are measured on
/// it; a test host may move it forward); `epoch_ms` stamps records.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> f64;
    fn epoch_ms(&self) -> i64;
}

/// What the command line can change.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a simulated build takes, in milliseconds.
    pub build_ms: u64,
    /// How long a VM takes to boot, suspend or resume, in milliseconds.
    pub boot_ms: u64,
    /// Injected faults and their probabilities per request (`--faults`).
    pub faults: Vec<(crate::faults::Fault, f64)>,
    /// Seed of the fault sequence (`--seed`).
    pub seed: u64,
    /// Extra latency per `/v1` answer, min..max milliseconds (`--latency-ms`).
    pub latency_ms: (u64, u64),
    /// How long a `slow` fault stalls (`--slow-ms`).
    pub slow_ms: u64,
    /// Replay the first answer to a repeated `Idempotency-Key` (`--idempotency`).
    /// Off by default: InstaVM documents no such header, so a client is
    /// proven against a server that ignores it.
    pub idempotency: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { build_ms: 3000, boot_ms: 500, faults: Vec::new(), seed: 1, latency_ms: (0, 0), slow_ms: 5000, idempotency: false }
    }
}

pub struct Shared {
    pub settings: Settings,
    pub clock: Arc<dyn Clock>,
    pub faults: crate::faults::Faults,
    tenants: Mutex<HashMap<String, Tenant>>,
    next_id: AtomicU64,
    /// Seeds ids so two emulator runs do not hand out the same ones.
    id_salt: u64,
}

/// Everything one API key can see.
#[derive(Default)]
pub struct Tenant {
    pub snapshots: HashMap<String, Snapshot>,
    pub vms: HashMap<String, Vm>,
    /// "path Idempotency-Key" -> the first request with that key.
    pub idempotency: HashMap<String, KeyUse>,
    pub requests: Vec<Value>,
}

/// The first request sent with an idempotency key: its body, and the status
/// and body first answered (`None` while it is in flight).
pub struct KeyUse {
    pub body: Vec<u8>,
    pub answer: Option<(u16, Vec<u8>)>,
}

/// A stored VM. `status` is what it was last set to; `next` is a change due
/// at an instant (`creating` becomes `active` once booted), applied on read.
pub struct Vm {
    pub seq: u64,
    pub record: serde_json::Map<String, Value>,
    pub next: Option<(f64, &'static str)>,
    pub volumes: Vec<Value>,
}

impl Vm {
    /// Applies a transition that has come due by `now_ms`, and returns the status.
    pub fn settle(&mut self, now_ms: f64) -> String {
        if let Some((at, status)) = self.next {
            if now_ms >= at {
                self.record.insert("status".into(), Value::from(status));
                self.next = None;
            }
        }
        self.status()
    }

    pub fn status(&self) -> String {
        self.record.get("status").and_then(Value::as_str).unwrap_or("").to_string()
    }
}

/// A stored snapshot: the record as created plus what decides its lifecycle.
pub struct Snapshot {
    pub seq: u64,
    pub record: serde_json::Map<String, Value>,
    /// On the host's monotonic clock, in milliseconds.
    pub created: f64,
    /// `Some(reason)` when the build is going to fail.
    pub failure: Option<String>,
    pub size_bytes: u64,
}

impl Shared {
    pub fn new(settings: Settings, clock: Arc<dyn Clock>) -> Self {
        let id_salt = (clock.epoch_ms() as u64).wrapping_mul(1_000_003) ^ (clock.now_ms().to_bits());
        let faults = crate::faults::Faults::new(settings.faults.clone(), settings.seed, settings.latency_ms, settings.slow_ms);
        Shared { settings, clock, faults, tenants: Mutex::new(HashMap::new()), next_id: AtomicU64::new(1), id_salt }
    }

    pub fn now_ms(&self) -> f64 {
        self.clock.now_ms()
    }

    /// Now as `2026-11-27T09:33:35.123Z`.
    pub fn now_iso(&self) -> String {
        crate::time::iso_from_epoch_ms(self.clock.epoch_ms())
    }

    /// Locks the tenant table. A poisoned lock (a handler panicked) is still
    /// usable: every write leaves the maps consistent.
    pub fn tenants(&self) -> MutexGuard<'_, HashMap<String, Tenant>> {
        self.tenants.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh id such as `snap_3f9a0c1e5b7d2a48`, and its sequence number.
    pub fn new_id(&self, prefix: &str) -> (String, u64) {
        let seq = self.next_id.fetch_add(1, Ordering::Relaxed);
        (format!("{prefix}_{:016x}", mix(seq ^ self.id_salt)), seq)
    }

    /// A number that orders events across keys.
    pub fn next_seq(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn new_request_id(&self) -> String {
        let seq = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("req_{:016x}", mix(seq.wrapping_add(self.id_salt)))
    }
}

/// splitmix64: spreads sequential numbers into unrelated-looking ids.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
