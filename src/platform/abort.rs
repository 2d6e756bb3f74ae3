//! Listening to a caller's `AbortSignal` for exactly as long as a guard lives.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

/// An `abort` listener on a signal, removed when this is dropped, whichever
/// way the wait or request it guards ended: nothing piles up on a
/// long-lived signal.
#[must_use = "the listener is removed on drop"]
pub struct Listening {
    signal: AbortSignal,
    listener: Function,
    /// The Rust closure behind `listener`, if it is one; freed on drop.
    _closure: Option<Closure<dyn FnMut()>>,
}

impl Listening {
    /// Calls `on_abort` when the signal aborts. A signal whose
    /// `addEventListener` throws is refused with what it threw.
    pub fn call(signal: &AbortSignal, on_abort: impl FnMut() + 'static) -> Result<Listening, JsValue> {
        let closure = Closure::<dyn FnMut()>::new(on_abort);
        let listener: Function = closure.as_ref().unchecked_ref::<Function>().clone();
        Listening::add(signal, listener, Some(closure))
    }

    /// A future that resolves when the signal aborts, and its listener. The
    /// listener is the promise's own `resolve`, so no Rust closure is made.
    pub fn future(signal: &AbortSignal) -> Result<(Listening, JsFuture), JsValue> {
        let mut resolve_fn = None;
        let fired = Promise::new(&mut |resolve, _| resolve_fn = Some(resolve));
        let listener = resolve_fn.ok_or(JsValue::UNDEFINED)?;
        Ok((Listening::add(signal, listener, None)?, JsFuture::from(fired)))
    }

    fn add(signal: &AbortSignal, listener: Function, closure: Option<Closure<dyn FnMut()>>) -> Result<Listening, JsValue> {
        signal.add_event_listener_with_callback("abort", &listener)?;
        Ok(Listening { signal: signal.clone(), listener, _closure: closure })
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.signal.remove_event_listener_with_callback("abort", &self.listener);
    }
}
