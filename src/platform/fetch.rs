//! One HTTP attempt: `fetch(url, init)`, bounded by a per-request timeout (a
//! gloo-timers timer) and the caller's signal; the answer's status and
//! headers are read through gloo-net's `Response`. Retrying is the
//! transport's job, not this file's.
//!
//! `fetch` is called with a URL and an init object, not a built `Request`
//! (and not through gloo-net's `RequestBuilder`, whose `build` constructs a
//! throwaway `Request` and a `URL` to merge query parameters we never use):
//! in Node every `Request` costs an `AbortSignal` of its own and `fetch`
//! copies a handed `Request` once more. Those were the largest shares of the
//! per-call overhead (CONTRIBUTING, "Size and speed").
//!
//! An attempt is started synchronously ([`Attempt::start`]) and finished
//! asynchronously ([`Attempt::finish`]), so that a call can hand its
//! request to `fetch` before it returns its Promise.
//!
//! The response and its body text come back as one Promise (`fetchText`):
//! each Rust future awaited on a JS Promise costs wasm-bindgen closures and a
//! wake of the task, and against the emulator two of them per attempt cost
//! about 28 µs more per call than one (2 x 3000 gets, alternated). The same
//! snippet writes the init as one object literal, where web-sys's
//! `RequestInit` set it property by property across the boundary.

use gloo_net::http::Response;
use gloo_timers::callback::Timeout;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Headers};

use super::abort::Listening;
use super::convert::{get, js_str};
use super::timer::timer_ms;

#[wasm_bindgen(inline_js = "
export function fetchText(fetch, url, method, headers, body, controller) {
  const init = { method, headers, redirect: 'manual', signal: controller.signal };
  if (body !== undefined) init.body = body;
  return new Promise((resolve) => resolve(fetch(url, init))).then((response) => {
    if (typeof response !== 'object' || response === null) throw new TypeError('fetch resolved to something that is not a Response');
    return response.text().then((text) => [response, text]);
  });
}")]
extern "C" {
    /// `fetch(url, init)` and the answer's body text, as one Promise of
    /// `[response, text]`: one Rust future per attempt instead of two
    /// (each costs the runtime a Promise and wasm-bindgen closures). The
    /// init is written as one object literal here rather than property by
    /// property across the boundary. `redirect: 'manual'`, because fetch
    /// would carry X-API-Key to wherever a redirect points; the transport
    /// follows those that stay on the API's origin. A `fetch` that throws
    /// rejects the Promise; `this` is undefined, as workerd and users'
    /// wrappers expect.
    #[wasm_bindgen(js_name = fetchText)]
    fn fetch_text(fetch: &Function, url: &str, method: &JsValue, headers: &Headers, body: &JsValue, controller: &AbortController) -> Promise;
}

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
    /// The connection failed: the runtime's message (it never holds headers)
    /// and what it threw, handed to the user as the error's `cause`.
    Network(String, JsValue),
}

/// What to send.
pub struct Request<'a> {
    /// `GET`, `POST`, ...
    pub method: &'static str,
    pub url: &'a str,
    /// Every header of the request, fresh for this attempt.
    pub headers: Headers,
    /// JSON text, for the requests that carry one.
    pub body: Option<&'a JsValue>,
}

/// An attempt under way: the request is in `fetch`'s hands. Dropping it
/// clears the timer and removes the listener on the caller's signal.
pub struct Attempt {
    state: Result<Sent, SendError>,
}

struct Sent {
    answer: JsFuture,
    signal: Option<AbortSignal>,
    guard: AbortGuard,
}

/// What bounds one attempt, owned together: the attempt's own controller,
/// the timer that aborts it at the timeout, and the listener that aborts it
/// when the caller's signal does. Dropped before the answer was read (the
/// call's future was dropped), it aborts the request, so no fetch outlives
/// the call that made it; either way the timer is cleared and the listener
/// removed.
#[must_use = "dropping the guard aborts the request"]
struct AbortGuard {
    controller: AbortController,
    _listening: Option<Listening>,
    _timer: Timeout,
    /// Set once the body is read: aborting then would only cost a DOMException.
    done: bool,
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if !self.done {
            self.controller.abort();
        }
    }
}

impl Attempt {
    /// Builds the request and calls `fetch` now. `fetch` is called with
    /// `this` undefined: workerd and user overrides expect a bare call.
    pub fn start(fetch: &Function, request: Request<'_>, timeout_ms: f64, signal: Option<&AbortSignal>) -> Attempt {
        Attempt { state: send(fetch, request, timeout_ms, signal) }
    }

    /// Waits for the response and reads its body.
    pub async fn finish(self) -> Result<Received, SendError> {
        // The timer and the listener live until the body is read.
        let Sent { answer, signal, mut guard } = self.state?;
        let received = read(answer).await.map_err(|thrown| match signal.filter(AbortSignal::aborted) {
            Some(s) => SendError::Aborted(s.reason()),
            None if guard.controller.signal().aborted() => SendError::TimedOut,
            None => SendError::Network(describe(&thrown), thrown),
        });
        guard.done = true;
        received
    }
}

fn send(fetch: &Function, request: Request<'_>, timeout_ms: f64, signal: Option<&AbortSignal>) -> Result<Sent, SendError> {
    if let Some(s) = signal.filter(|s| s.aborted()) {
        return Err(SendError::Aborted(s.reason()));
    }
    let network = |e: JsValue| SendError::Network(describe(&e), e);
    let controller = AbortController::new().map_err(network)?;
    // Listening first: the caller may abort while fetch is being called.
    let listening = match signal {
        Some(s) => {
            let ours = controller.clone();
            Some(Listening::call(s, move || ours.abort()).map_err(network)?)
        }
        None => None,
    };
    // fetch(url, init): the standard call, what users' wrappers expect, and
    // cheaper than a built Request, which Node copies again inside fetch.
    let none = JsValue::UNDEFINED;
    let body = request.body.unwrap_or(&none);
    let answer = JsFuture::from(fetch_text(fetch, request.url, &js_str(request.method), &request.headers, body, &controller));
    // The timer is armed once the request is on its way: a runtime's first
    // setTimeout can be slow (Deno's took 4 ms), and it then overlaps the
    // wait for the answer instead of delaying the request.
    let ours = controller.clone();
    let timer = Timeout::new(timer_ms(timeout_ms), move || ours.abort());
    Ok(Sent { answer, signal: signal.cloned(), guard: AbortGuard { controller, _listening: listening, _timer: timer, done: false } })
}

/// The response and its body text.
async fn read(answer: JsFuture) -> Result<Received, JsValue> {
    let pair: Array = answer.await?.unchecked_into();
    let response = Response::from(pair.get(0).unchecked_into::<web_sys::Response>());
    Ok(Received { status: response.status(), body: pair.get(1), response })
}

impl Received {
    /// A response header; read only on the error path (a success needs none,
    /// and each read copies a string into wasm).
    pub fn header(&self, name: &str) -> Option<String> {
        self.response.headers().get(name)
    }
}

/// A short description of a thrown value (`TypeError: fetch failed (ECONNREFUSED)`).
fn describe(e: &JsValue) -> String {
    let message = get(e, "message").as_string().or_else(|| e.as_string()).unwrap_or_else(|| "unknown error".into());
    let cause = get(&get(e, "cause"), "code").as_string().or_else(|| get(&get(e, "cause"), "message").as_string());
    match cause {
        Some(c) if !c.is_empty() && !message.contains(&c) => format!("{message} ({c})"),
        _ => message,
    }
}
