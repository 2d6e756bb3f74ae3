//! One HTTP attempt over `fetch`, bounded by a per-request timeout and the
//! caller's signal. Retrying is the transport's job, not this file's.

use std::cell::Cell;
use std::rc::Rc;

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
    pub request_id: Option<String>,
    pub retry_after: Option<String>,
    pub retry_after_ms: Option<String>,
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
    let controller = AbortController::new();
    super::convert::set(init, "signal", &controller.signal());
    let timed_out = Rc::new(Cell::new(false));
    let mut guard = TimerGuard::default();
    {
        let (controller, timed_out) = (controller.clone(), timed_out.clone());
        guard.start(timeout_ms, move || {
            timed_out.set(true);
            controller.abort(&JsValue::from_str("request timed out"));
        });
    }
    if let Some(s) = signal {
        let (controller, source) = (controller.clone(), s.clone());
        guard.listen(s, move || controller.abort(&source.reason()));
    }
    let classify = |e: JsValue| -> SendError {
        if let Some(s) = signal.filter(|s| s.aborted()) {
            SendError::Aborted(s.reason())
        } else if timed_out.get() {
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
    let headers = response.headers();
    let header = |name: &str| if headers.is_object() { headers.get(name) } else { None };
    let received_head = (response.status(), header("x-request-id"), header("retry-after"), header("retry-after-ms"));
    let body = JsFuture::from(response.text()).await.map_err(&classify)?;
    drop(guard);
    let (status, request_id, retry_after, retry_after_ms) = received_head;
    Ok(Received { status, body, request_id, retry_after, retry_after_ms })
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
