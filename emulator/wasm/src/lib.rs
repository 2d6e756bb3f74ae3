//! The emulator's in-process host: the core behind a wasm-bindgen class that
//! the `instavm-wasm/testing` entry (`js/testing/emulator.js`) wraps into a
//! standard `fetch` function. Requests go in as plain parts; outcomes come
//! out as plain objects; waits are the JS side's (on the emulator's clock,
//! which a test can move forward), so nothing here holds a timer.
#![cfg(target_arch = "wasm32")]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use instavm_emulator_core::{parse_faults, Clock, Emulator, Outcome, Request, Settings, Then};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// The wall clock plus however far a test has moved it (`advance`).
struct TestClock {
    ahead_ms: AtomicU64,
}

impl TestClock {
    fn ahead(&self) -> f64 {
        f64::from_bits(self.ahead_ms.load(Ordering::Relaxed))
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now() + self.ahead()
    }

    fn epoch_ms(&self) -> i64 {
        self.now_ms() as i64
    }
}

#[wasm_bindgen]
pub struct EmulatorCore {
    emulator: Emulator,
    clock: Arc<TestClock>,
    waiting: HashMap<u32, Then>,
    next_token: u32,
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

#[wasm_bindgen]
impl EmulatorCore {
    /// `faults` is the server's `--faults` spec (`429:0.1,reset:0.05`);
    /// `idempotency` switches on the replay of repeated `Idempotency-Key`s.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(build_ms: f64, boot_ms: f64, faults: &str, seed: f64, latency_min_ms: f64, latency_max_ms: f64, slow_ms: f64, idempotency: bool) -> Result<EmulatorCore, JsError> {
        let whole = |n: f64, what: &str| if n.is_finite() && n >= 0.0 { Ok(n as u64) } else { Err(JsError::new(&format!("{what} must be a whole number of milliseconds from 0, got {n}"))) };
        let settings = Settings {
            build_ms: whole(build_ms, "buildMs")?,
            boot_ms: whole(boot_ms, "bootMs")?,
            faults: parse_faults(faults).map_err(|e| JsError::new(&format!("faults: {e}")))?,
            seed: seed as u64,
            latency_ms: (whole(latency_min_ms, "latencyMs")?, whole(latency_max_ms, "latencyMs")?),
            slow_ms: whole(slow_ms, "slowMs")?,
            idempotency,
        };
        let clock = Arc::new(TestClock { ahead_ms: AtomicU64::new(0f64.to_bits()) });
        Ok(EmulatorCore { emulator: Emulator::new(settings, clock.clone()), clock, waiting: HashMap::new(), next_token: 1 })
    }

    /// One request. `headers` alternates names and values.
    pub fn handle(&mut self, method: String, path: String, query: Option<String>, headers: Vec<String>, body: Vec<u8>) -> JsValue {
        let headers = headers.chunks(2).filter_map(|p| Some((p.first()?.clone(), p.get(1)?.clone()))).collect();
        let outcome = self.emulator.handle(Request { method, path, query, headers, body });
        self.outcome(outcome)
    }

    /// Carries on with a request whose wait (`token`) is over.
    pub fn resume(&mut self, token: u32) -> JsValue {
        match self.waiting.remove(&token) {
            Some(then) => {
                let outcome = self.emulator.resume(then);
                self.outcome(outcome)
            }
            None => self.outcome(Outcome::Reset),
        }
    }

    /// Forgets a request whose caller went away (its signal aborted).
    pub fn forget(&mut self, token: u32) {
        self.waiting.remove(&token);
    }

    /// The emulator's clock, in milliseconds.
    #[wasm_bindgen(js_name = nowMs)]
    pub fn now_ms(&self) -> f64 {
        self.clock.now_ms()
    }

    /// Moves the emulator's clock forward: builds and boots progress by `ms`.
    pub fn advance(&self, ms: f64) {
        if ms.is_finite() && ms > 0.0 {
            self.clock.ahead_ms.store((self.clock.ahead() + ms).to_bits(), Ordering::Relaxed);
        }
    }

    /// The request log as JSON text: one key's, or every key's.
    pub fn requests(&self, key: Option<String>) -> String {
        serde_json::Value::Array(self.emulator.requests(key.as_deref())).to_string()
    }

    /// `{ kind: 'answer', status, headers: [[name, value]...], body }`,
    /// `{ kind: 'reset' }` or `{ kind: 'later', ms, token }`.
    fn outcome(&mut self, outcome: Outcome) -> JsValue {
        let out = Object::new();
        match outcome {
            Outcome::Answer(r) => {
                set(&out, "kind", &"answer".into());
                set(&out, "status", &r.status.into());
                let headers = Array::new();
                for (n, v) in &r.headers {
                    headers.push(&Array::of2(&n.into(), &v.into()));
                }
                set(&out, "headers", &headers);
                set(&out, "body", &Uint8Array::from(r.body.as_slice()));
            }
            Outcome::Reset => set(&out, "kind", &"reset".into()),
            Outcome::Later { ms, then } => {
                let token = self.next_token;
                self.next_token = self.next_token.wrapping_add(1);
                self.waiting.insert(token, then);
                set(&out, "kind", &"later".into());
                set(&out, "ms", &(ms as f64).into());
                set(&out, "token", &token.into());
            }
        }
        out.into()
    }
}
