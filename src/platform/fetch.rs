//! One HTTP attempt over `fetch`, bounded by a per-request timeout and the
//! caller's signal; its JS half is fetch.js beside this file. Retrying is the
//! transport's job, not this file's.

use crate::prelude::*;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::bindings::{AbortSignal, Response};
use super::convert::get;

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

/// What to send, besides the URL.
pub struct Request<'a> {
    /// `GET`, `POST`, ... as a JS string.
    pub method: JsValue,
    /// A plain object of header names to values.
    pub headers: JsValue,
    /// JSON text, for the requests that carry one.
    pub body: Option<&'a JsValue>,
}

#[wasm_bindgen(module = "/src/platform/fetch.js")]
extern "C" {
    /// See fetch.js: resolves with `[response, text]`, rejects with `[why, value]`.
    fn attempt(fetch: &Function, url: &str, method: &JsValue, headers: &JsValue, body: Option<&JsValue>, timeout_ms: f64, signal: Option<&AbortSignal>) -> Promise;
}

/// Sends one request, with a signal that fires on the timeout or the
/// caller's abort, whichever is first.
pub async fn send(fetch: &Function, url: &str, request: Request<'_>, timeout_ms: f64, signal: Option<&AbortSignal>) -> Result<Received, SendError> {
    let sent = attempt(fetch, url, &request.method, &request.headers, request.body, timeout_ms.max(0.0), signal);
    match JsFuture::from(sent).await {
        Ok(pair) => {
            let pair: Array = pair.unchecked_into();
            let response: Response = pair.get(0).unchecked_into();
            Ok(Received { status: response.status(), body: pair.get(1), response })
        }
        // Anything but a `[why, value]` pair was thrown before the request
        // was made (a runtime without AbortController, say): a network failure.
        Err(thrown) if !Array::is_array(&thrown) => Err(SendError::Network(describe(&thrown))),
        Err(why) => {
            let why: Array = why.unchecked_into();
            Err(match why.get(0).as_f64() {
                Some(ABORTED) => SendError::Aborted(why.get(1)),
                Some(TIMED_OUT) => SendError::TimedOut,
                _ => SendError::Network(describe(&why.get(1))),
            })
        }
    }
}

/// The reasons `attempt` rejects with (fetch.js).
const ABORTED: f64 = 1.0;
const TIMED_OUT: f64 = 2.0;

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
        Some(c) if !c.is_empty() && !crate::core::text::contains(&message, &c) => cat!(message, " (", c, ")"),
        _ => message,
    }
}
