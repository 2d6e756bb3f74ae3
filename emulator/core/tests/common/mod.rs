//! Driving the emulator's core as its host does, for the route, VM and fault
//! tests: a request in, the core's waits taken on a test clock that moves
//! only when the core asks to wait (so no test sleeps), a reset read as no
//! answer at all.

// Each test file uses a part of this module.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use instavm_emulator_core::{Clock, Emulator, Outcome, Request, Settings, Then};
use serde_json::Value;

/// HTTP statuses by name, as the tests compare them.
pub struct StatusCode;

impl StatusCode {
    pub const OK: u16 = 200;
    pub const CREATED: u16 = 201;
    pub const TEMPORARY_REDIRECT: u16 = 307;
    pub const UNAUTHORIZED: u16 = 401;
    pub const NOT_FOUND: u16 = 404;
    pub const CONFLICT: u16 = 409;
    pub const UNPROCESSABLE_ENTITY: u16 = 422;
    pub const TOO_MANY_REQUESTS: u16 = 429;
    pub const BAD_GATEWAY: u16 = 502;
    pub const SERVICE_UNAVAILABLE: u16 = 503;
    pub const GATEWAY_TIMEOUT: u16 = 504;
}

/// A clock that moves only when the core asks to wait, or a test pauses.
pub struct TestClock(AtomicU64);

impl Clock for TestClock {
    fn now_ms(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
    fn epoch_ms(&self) -> i64 {
        1_700_000_000_000 + self.now_ms() as i64
    }
}

/// One emulator and its clock.
pub struct Host {
    pub emulator: Emulator,
    clock: Arc<TestClock>,
}

pub fn app(settings: Settings) -> Host {
    let clock = Arc::new(TestClock(AtomicU64::new(0f64.to_bits())));
    Host { emulator: Emulator::new(settings, clock.clone()), clock }
}

impl Host {
    /// Lets `ms` pass, as a test that sleeps would.
    pub fn pause(&self, ms: u64) {
        self.clock.0.store((self.clock.now_ms() + ms as f64).to_bits(), Ordering::Relaxed);
    }

    /// Takes an outcome to its end: waits on the clock, then an answer or none.
    pub fn finish(&self, mut outcome: Outcome) -> Option<instavm_emulator_core::Response> {
        loop {
            match outcome {
                Outcome::Answer(r) => return Some(r),
                Outcome::Reset => return None,
                Outcome::Later { ms, then } => {
                    self.pause(ms);
                    outcome = self.emulator.resume(then);
                }
            }
        }
    }

    /// The core's first outcome of a request, for tests that interleave two.
    pub fn start(&self, method: &str, uri: &str, key: Option<&str>, body: Option<Value>, extra: &[(&str, &str)]) -> Outcome {
        let mut headers: Vec<(String, String)> = extra.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        if let Some(k) = key {
            headers.push(("x-api-key".into(), k.into()));
        }
        let body = match body {
            Some(v) => {
                headers.push(("content-type".into(), "application/json".into()));
                v.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        self.start_raw(method, uri, headers, body)
    }

    /// The same with the headers and body as given (a body need not be JSON).
    pub fn start_raw(&self, method: &str, uri: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> Outcome {
        let (path, query) = match uri.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (uri.to_string(), None),
        };
        self.emulator.handle(Request { method: method.into(), path, query, headers, body })
    }

    /// Resumes an interleaved request after its wait.
    pub fn resume(&self, then: Then) -> Outcome {
        self.emulator.resume(then)
    }
}

/// The answer's headers by (case-insensitive) name.
pub struct Headers(Vec<(String, String)>);

impl Headers {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What one request got back; `status` is `None` when the connection was
/// dropped without an answer.
pub struct Answer {
    pub status: Option<u16>,
    pub json: Value,
    pub headers: Headers,
}

/// Sends one request: an optional API key, JSON body and extra headers.
pub fn send(host: &Host, method: &str, uri: &str, key: Option<&str>, body: Option<Value>, extra: &[(&str, &str)]) -> Answer {
    let outcome = host.start(method, uri, key, body, extra);
    answer(host.finish(outcome))
}

/// An answer as the tests read it.
pub fn answer(response: Option<instavm_emulator_core::Response>) -> Answer {
    match response {
        Some(r) => Answer { status: Some(r.status), json: serde_json::from_slice(&r.body).unwrap_or(Value::Null), headers: Headers(r.headers) },
        None => Answer { status: None, json: Value::Null, headers: Headers(Vec::new()) },
    }
}
