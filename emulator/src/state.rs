//! The emulator's memory: per-key tenants holding snapshots and idempotency keys.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde_json::Value;

/// What the command line can change.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a simulated build takes, in milliseconds.
    pub build_ms: u64,
    /// How long a VM takes to boot, suspend or resume, in milliseconds.
    pub boot_ms: u64,
    /// Folders served as static files: `(URL prefix, folder)`; the prefix `/`
    /// serves everything the API does not (the demo page).
    pub statics: Vec<(String, std::path::PathBuf)>,
    /// Injected faults and their probabilities per request (`--faults`).
    pub faults: Vec<(crate::faults::Fault, f64)>,
    /// Seed of the fault sequence (`--seed`).
    pub seed: u64,
    /// Extra latency per `/v1` answer, min..max milliseconds (`--latency-ms`).
    pub latency_ms: (u64, u64),
    /// How long a `slow` fault stalls (`--slow-ms`).
    pub slow_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { build_ms: 3000, boot_ms: 500, statics: Vec::new(), faults: Vec::new(), seed: 1, latency_ms: (0, 0), slow_ms: 5000 }
    }
}

pub struct Shared {
    pub settings: Settings,
    /// One lock per (API key, path, Idempotency-Key) in use.
    idempotency_locks: Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
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
    /// "path Idempotency-Key" -> (the request body, the status and body first answered).
    pub idempotency: HashMap<String, (Vec<u8>, u16, Vec<u8>)>,
    pub requests: Vec<Value>,
}

/// A stored VM. `status` is what it was last set to; `next` is a change due
/// at an instant (`creating` becomes `active` once booted), applied on read.
pub struct Vm {
    pub seq: u64,
    pub record: serde_json::Map<String, Value>,
    pub next: Option<(Instant, &'static str)>,
    pub volumes: Vec<Value>,
}

impl Vm {
    /// Applies a transition that has come due, and returns the status.
    pub fn settle(&mut self) -> String {
        if let Some((at, status)) = self.next {
            if Instant::now() >= at {
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
    pub created: Instant,
    /// `Some(reason)` when the build is going to fail.
    pub failure: Option<String>,
    pub size_bytes: u64,
}

impl Shared {
    pub fn new(settings: Settings) -> Self {
        let id_salt = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x5eed);
        let faults = crate::faults::Faults::new(settings.faults.clone(), settings.seed, settings.latency_ms, settings.slow_ms);
        Shared { settings, faults, idempotency_locks: Mutex::new(HashMap::new()), tenants: Mutex::new(HashMap::new()), next_id: AtomicU64::new(1), id_salt }
    }

    /// Locks the tenant table. A poisoned lock (a handler panicked) is still
    /// usable: every write leaves the maps consistent.
    pub fn tenants(&self) -> MutexGuard<'_, HashMap<String, Tenant>> {
        self.tenants.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The lock that orders requests sharing an idempotency scope.
    pub fn idempotency_lock(&self, key: &str, scope: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.idempotency_locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(format!("{key} {scope}")).or_default().clone()
    }

    /// A fresh id such as `snap_3f9a0c1e5b7d2a48`, and its sequence number.
    pub fn new_id(&self, prefix: &str) -> (String, u64) {
        let seq = self.next_id.fetch_add(1, Ordering::Relaxed);
        (format!("{prefix}_{:016x}", mix(seq ^ self.id_salt)), seq)
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
