//! Sleeping on a JS timer, cut short by an `AbortSignal`.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::bindings::{clear_timeout, set_timeout, AbortSignal};

/// A timer and an abort listener that are torn down together when dropped,
/// whichever way the wait ended: no timer keeps a runtime alive and no
/// listener piles up on a long-lived signal.
#[derive(Default)]
pub struct TimerGuard {
    pub timer: Option<JsValue>,
    /// The timer's callback when it is a Rust closure: owned here so that it
    /// is freed with the guard, fired or not (a leaked one per request would
    /// grow both heaps for the life of the page).
    pub callback: Option<Closure<dyn FnMut()>>,
    pub listener: Option<(AbortSignal, Closure<dyn FnMut()>)>,
}

impl TimerGuard {
    /// Calls `on_fire` after `ms`, unless this guard is dropped first.
    pub fn start(&mut self, ms: f64, on_fire: impl FnMut() + 'static) {
        let closure = Closure::<dyn FnMut()>::new(on_fire);
        self.timer = Some(set_timeout(closure.as_ref().unchecked_ref(), ms));
        self.callback = Some(closure);
    }

    /// Calls `on_abort` when `signal` aborts, until this guard is dropped.
    pub fn listen(&mut self, signal: &AbortSignal, on_abort: impl FnMut() + 'static) {
        let closure = Closure::<dyn FnMut()>::new(on_abort);
        signal.add_event_listener("abort", closure.as_ref().unchecked_ref());
        self.listener = Some((signal.clone(), closure));
    }
}

impl Drop for TimerGuard {
    fn drop(&mut self) {
        if let Some(id) = self.timer.take() {
            clear_timeout(&id);
        }
        if let Some((signal, closure)) = self.listener.take() {
            signal.remove_event_listener("abort", closure.as_ref().unchecked_ref());
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
        guard.timer = Some(set_timeout(&resolve, ms.max(0.0)));
        if let Some(s) = signal {
            let source = s.clone();
            guard.listen(s, move || {
                let _ = reject.call1(&JsValue::UNDEFINED, &source.reason());
            });
        }
    });
    let result = JsFuture::from(promise).await.map(|_| ());
    drop(guard);
    result
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
