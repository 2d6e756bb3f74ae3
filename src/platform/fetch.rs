//! One HTTP attempt over `fetch`, bounded by a per-request timeout and the
//! caller's signal. Retrying is the transport's job, not this file's.

use crate::prelude::*;

use js_sys::{Function, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::bindings::{AbortController, AbortSignal, Response};
use super::convert::get;
use super::timer::TimerGuard;

/// What came back from one attempt. The body stays a JS string: it is parsed
/// by the engine's `JSON.parse` and never copied through wasm memory.
pub struct Received {
    pub status: u16,
    pub body: JsValue,
    response: Response,
}

/// Why an attempt produced no response.
pub enum SendError {
    /// The caller's signal aborted: reject with its reason, never retry.
    Aborted(JsValue),
    /// The per-request timeout fired.
    TimedOut,
    /// The connection failed; the runtime's message (it never holds headers).
    Network(String),
}

/// Sends one request. `init` is a `RequestInit` without a signal; this adds
/// one that fires on the timeout or the caller's abort, whichever is first,
/// and the timer and listener are gone when this returns.
pub async fn send(fetch: &Function, url: &str, init: &JsValue, timeout_ms: f64, signal: Option<&AbortSignal>) -> Result<Received, SendError> {
    if let Some(s) = signal {
        if s.aborted() {
            return Err(SendError::Aborted(s.reason()));
        }
    }
    // The request's own controller: the timer and the caller's signal both
    // call its (bound) abort; which of them fired is told apart afterwards.
    let controller = AbortController::new();
    let own_signal = controller.signal();
    super::convert::set_const(init, "signal", &own_signal);
    let abort: Function = super::convert::get_const(&controller, "abort").unchecked_into();
    let mut guard = TimerGuard::default();
    guard.start(timeout_ms, &abort.bind0(&controller));
    if let Some(s) = signal {
        guard.listen(s, abort.bind0(&controller));
    }
    let classify = |e: JsValue| -> SendError {
        if let Some(s) = signal.filter(|s| s.aborted()) {
            SendError::Aborted(s.reason())
        } else if own_signal.aborted() {
            SendError::TimedOut
        } else {
            SendError::Network(describe(&e))
        }
    };
    // `this` is left undefined: a bound-less global fetch is what workerd and
    // user overrides expect ("Illegal invocation" otherwise).
    let promise = fetch.call2(&JsValue::UNDEFINED, &JsValue::from_str(url), init).map_err(&classify)?;
    let response: Response = JsFuture::from(Promise::resolve(&promise)).await.map_err(&classify)?.unchecked_into();
    if !response.is_object() {
        return Err(SendError::Network("fetch resolved to something that is not a Response".into()));
    }
    let status = response.status();
    let body = JsFuture::from(response.text()).await.map_err(&classify)?;
    drop(guard);
    Ok(Received { status, body, response })
}

impl Received {
    /// A response header; read only on the error path (a success needs none,
    /// and each read copies a string into wasm).
    pub fn header(&self, name: &str) -> Option<String> {
        let headers = self.response.headers();
        if headers.is_object() {
            headers.get(name)
        } else {
            None
        }
    }
}

/// A short description of a thrown value (`TypeError: fetch failed (ECONNREFUSED)`).
fn describe(e: &JsValue) -> String {
    let message = get(e, "message").as_string().or_else(|| e.as_string()).unwrap_or_else(|| "unknown error".into());
    let cause = get(&get(e, "cause"), "code").as_string().or_else(|| get(&get(e, "cause"), "message").as_string());
    match cause {
        Some(c) if !message.contains(&c) => format!("{message} ({c})"),
        _ => message,
    }
}
