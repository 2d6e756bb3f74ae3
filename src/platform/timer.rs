//! Sleeping on a JS timer, cut short by an `AbortSignal`.
//!
//! No Rust closure is handed to JS here: the timer and the abort listener are
//! the promise's own `resolve` and `reject`, which cost less per call than a
//! wasm-bindgen closure and cannot leak one. (A request's timeout lives in
//! fetch.js.)

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::bindings::{clear_timeout, set_timeout, AbortSignal};

/// A timer and an abort listener that are torn down together when dropped,
/// whichever way the wait ended: no timer keeps a runtime alive and no
/// listener piles up on a long-lived signal.
#[derive(Default)]
pub struct TimerGuard {
    timer: Option<JsValue>,
    listener: Option<(AbortSignal, Function)>,
}

impl TimerGuard {
    /// Calls `callback` after `ms`, unless this guard is dropped first.
    pub fn start(&mut self, ms: f64, callback: &Function) {
        self.timer = Some(set_timeout(callback, ms.max(0.0)));
    }

    /// Calls `listener` when `signal` aborts, until this guard is dropped.
    pub fn listen(&mut self, signal: &AbortSignal, listener: Function) {
        signal.add_event_listener("abort", &listener);
        self.listener = Some((signal.clone(), listener));
    }
}

impl Drop for TimerGuard {
    fn drop(&mut self) {
        if let Some(id) = self.timer.take() {
            clear_timeout(&id);
        }
        if let Some((signal, listener)) = self.listener.take() {
            signal.remove_event_listener("abort", &listener);
        }
    }
}

/// Resolves after `ms`; rejects at once with the signal's reason when it
/// aborts (before or during the sleep), and the timer is cleared.
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), JsValue> {
    if let Some(s) = signal {
        if s.aborted() {
            return Err(s.reason());
        }
    }
    let mut guard = TimerGuard::default();
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        guard.start(ms, &resolve);
        if let Some(s) = signal {
            // Called with the abort event; the reason is read from the signal below.
            guard.listen(s, reject);
        }
    });
    let result = JsFuture::from(promise).await;
    drop(guard);
    match result {
        Ok(_) => Ok(()),
        Err(_) => Err(signal.map_or(JsValue::UNDEFINED, AbortSignal::reason)),
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
