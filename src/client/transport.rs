//! One API call: build the request, send it, retry what the policy allows,
//! and turn the answer into a parsed body or a described failure.

use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortSignal, Headers, Url};

use crate::core::error::ClientError;
use crate::core::options::Config;
use crate::core::retry::{self, Acted, Budget, Method, Next, Outcome};
use crate::core::validate::show_number;
use crate::core::ErrorKind;
use crate::platform::convert::{from_js, get_const, json_parse};
use crate::platform::errors::Failure;
use crate::platform::fetch::{Attempt, Received, Request, SendError};
use crate::platform::{random, timer};

use super::recent::Recent;

pub struct Transport {
    pub config: Config,
    /// The user's `fetch` override; the global one is looked up per call
    /// otherwise, so a polyfill installed after construction still counts.
    pub fetch: Option<Function>,
    /// The headers every request carries, built once: the user's extra
    /// headers first, so the client's own (the key) always win. Never
    /// mutated after construction: the runtimes' `fetch` copies what it is
    /// given, and a user's `fetch` gets a copy of its own (see `headers`).
    base_headers: Headers,
    /// What this client has made and is making, for lookups after a lost answer.
    pub recent: Recent,
    /// The client's `onRetry`: told of each retry before its delay.
    pub on_retry: Option<Function>,
}

/// A call whose first attempt has been handed to `fetch`: see [`Transport::begin`].
pub struct Begun {
    url: String,
    idempotency_key: Option<String>,
    attempt: Result<Attempt, Failure>,
}

/// One request of the API, owned by what sends it (a plan, a wait's poll,
/// `ensure`'s listing) and read by every attempt: what to send and what
/// bounds it beyond the client's configuration.
pub struct Call {
    pub method: Method,
    /// From the API root, already encoded: `/v1/snapshots/snap_1`.
    pub path: String,
    /// JSON text, already serialised.
    pub body: Option<JsValue>,
    /// Each attempt's timeout; the client's `timeoutMs` when `None`.
    pub timeout_ms: Option<f64>,
    /// The caller's signal: aborts the attempt under way and the retries.
    pub signal: Option<AbortSignal>,
    /// Retries after the first attempt; the client's `maxRetries` when `None`.
    pub max_retries: Option<u32>,
    /// For a POST: the `Idempotency-Key`, when the caller chose it (it must
    /// be known in advance to find a VM after an ambiguous failure); a
    /// POST without one gets a fresh key for all of its attempts.
    pub idempotency_key: Option<String>,
}

impl Call {
    pub fn new(method: Method, path: String) -> Call {
        Call { method, path, body: None, timeout_ms: None, signal: None, max_retries: None, idempotency_key: None }
    }

    /// A `GET` under the caller's signal.
    pub fn get(path: String, signal: Option<AbortSignal>) -> Call {
        Call { signal, ..Call::new(Method::Get, path) }
    }
}

/// A successful answer. `body` is the parsed JSON, or `undefined` when the
/// server sent an empty body.
pub struct Reply {
    pub body: JsValue,
    received: Option<Received>,
}

impl Reply {
    /// The server's `X-Request-Id`, read on demand (only errors need it).
    pub fn request_id(&self) -> Option<String> {
        self.header("x-request-id")
    }

    /// A response header, read on demand.
    pub fn header(&self, name: &str) -> Option<String> {
        self.received.as_ref()?.header(name)
    }

    /// Whether the server answered from an earlier request with the same
    /// `Idempotency-Key` (`Idempotent-Replayed: true`), as one that honours
    /// the key does.
    pub fn replayed(&self) -> bool {
        self.header("idempotent-replayed").is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

impl Transport {
    /// The headers were checked by the core (names are tokens, values
    /// printable), so `Headers` accepts them; one that it still refused
    /// would only be missing from the requests, never a panic.
    pub fn new(config: Config, fetch: Option<Function>) -> Result<Transport, JsValue> {
        let base_headers = Headers::new()?;
        for (name, value) in &config.headers {
            base_headers.set(name, value)?;
        }
        base_headers.set("Accept", "application/json")?;
        // None with `apiKey: null`: the proxy in front of the API adds it.
        if !config.api_key.is_empty() {
            base_headers.set("X-API-Key", &config.api_key)?;
        }
        Ok(Transport { config, fetch, base_headers, recent: Recent::default(), on_retry: None })
    }

    /// Hands the call's first attempt to `fetch` now, before anything is
    /// awaited; [`Transport::complete`] finishes it (and retries).
    pub fn begin(&self, call: &Call) -> Begun {
        let idempotency_key = match (&call.idempotency_key, call.method) {
            (Some(k), _) => Some(k.clone()),
            (None, Method::Post) => Some(random::idempotency_key()),
            (None, _) => None,
        };
        let url = format!("{}{}", self.config.base_url, call.path);
        let attempt = self.start(call, &url, idempotency_key.as_deref());
        Begun { url, idempotency_key, attempt }
    }

    /// One call with a budget of its own.
    pub async fn send(&self, call: &Call) -> Result<Reply, Failure> {
        let begun = self.begin(call);
        self.complete(call, begun, &mut Budget::new()).await
    }

    /// One attempt, started now.
    fn start(&self, call: &Call, url: &str, idempotency_key: Option<&str>) -> Result<Attempt, Failure> {
        let fetch = self.fetch_fn()?;
        let headers = self.headers(call, idempotency_key).map_err(|_| ClientError::new(ErrorKind::Network, "The runtime refused the request's headers"))?;
        let request = Request { method: call.method.as_str(), url, headers, body: call.body.as_ref() };
        Ok(Attempt::start(&fetch, request, self.timeout_ms(call), call.signal.as_ref()))
    }

    /// Finishes a begun call: its first attempt, then whatever the retry
    /// policy allows within `budget`, which the caller carries on with after
    /// a lookup (see `plan::send`), so that all of a call's attempts count
    /// against one `maxRetries`. A failure after which the request may have
    /// acted comes back marked so (`Failure::may_have_acted`), unrepeated.
    pub async fn complete(&self, call: &Call, begun: Begun, budget: &mut Budget) -> Result<Reply, Failure> {
        let Begun { mut url, idempotency_key, attempt: first } = begun;
        let mut next = Some(first);
        let mut redirects = 0;
        // Set once an attempt may have reached the server without us seeing
        // its answer: a later 404 on DELETE then means "already deleted".
        let mut maybe_acted = false;
        loop {
            let started = match next.take() {
                Some(started) => started,
                None => self.start(call, &url, idempotency_key.as_deref()),
            };
            let (outcome, failure) = match started?.finish().await {
                Err(SendError::Aborted(reason)) => return Err(Failure::Raw(reason)),
                Err(SendError::TimedOut) => (
                    Outcome::Timeout,
                    Failure::from(ClientError::new(
                        ErrorKind::Timeout,
                        format!("{} {} timed out after {} ms", call.method.as_str(), call.path, show_number(self.timeout_ms(call))),
                    )),
                ),
                Err(SendError::Network(message, thrown)) => (
                    Outcome::Network,
                    Failure::caused(ClientError::new(ErrorKind::Network, format!("Could not reach {}: {message}", self.config.base_url)), thrown),
                ),
                Ok(r) if (200..300).contains(&r.status) => match parse_body(&r.body) {
                    Ok(body) => return Ok(Reply { body, received: Some(r) }),
                    Err(()) => {
                        let mut e = ClientError::new(ErrorKind::Api, format!("The server answered {} with a body that is not valid JSON", r.status));
                        e.status = Some(r.status);
                        // A body cut short in transit is worth another read;
                        // a POST that acted is looked for, never repeated.
                        (Outcome::Unreadable, Failure::described(e, r.header("x-request-id"), r.body))
                    }
                },
                Ok(r) if r.status == 0 || (300..400).contains(&r.status) => {
                    // Redirects are not followed by fetch (redirect: manual),
                    // because fetch would carry X-API-Key to any origin. Only
                    // a redirect within the API's own origin is followed.
                    match self.same_origin_target(&url, r.header("location").as_deref()) {
                        Some(next) if redirects < MAX_REDIRECTS => {
                            url = next;
                            redirects += 1;
                            continue;
                        }
                        _ => return Err(redirect_refused(&r, &self.config.base_url)),
                    }
                }
                Ok(r) if r.status == 404 && call.method == Method::Delete && maybe_acted => {
                    return Ok(Reply { body: JsValue::UNDEFINED, received: Some(r) });
                }
                Ok(r) => {
                    let parsed = parse_body(&r.body).ok().filter(JsValue::is_object);
                    let text = r.body.as_string().unwrap_or_default();
                    let mut e = ClientError::from_response(r.status, &parsed.as_ref().map(from_js).unwrap_or(crate::core::Value::Null), &text);
                    e.retry_after_ms = retry::server_delay_ms(r.header("retry-after-ms").as_deref(), r.header("retry-after").as_deref(), timer::now_ms());
                    (Outcome::Status(r.status), Failure::described(e, r.header("x-request-id"), parsed.unwrap_or(r.body)))
                }
            };
            budget.last = Some(outcome);
            let server_ms = failure.retry_after_ms();
            let delay = match retry::decide(call.method, outcome, Acted::Unknown, budget.retries_used, self.max_retries(call), server_ms, random::unit()) {
                Next::Retry(delay) => delay,
                Next::LookFirst => return Err(failure.acted(true, "", JsValue::UNDEFINED)),
                Next::Stop => return Err(failure),
            };
            maybe_acted |= !matches!(outcome, Outcome::Status(400..=499));
            self.tell_retry(call, budget.retries_used + 1, failure, delay)?;
            timer::sleep(delay, call.signal.as_ref()).await.map_err(Failure::Raw)?;
            budget.retries_used += 1;
        }
    }

    /// Calls the client's `onRetry` (when it has one) with `{ attempt, error,
    /// delayMs, method, path }` before retry `attempt` of `call`; what it
    /// throws rejects the call.
    pub fn tell_retry(&self, call: &Call, attempt: u32, failure: Failure, delay_ms: f64) -> Result<(), Failure> {
        let Some(callback) = &self.on_retry else { return Ok(()) };
        let request = [("method", JsValue::from_str(call.method.as_str())), ("path", JsValue::from_str(&call.path))];
        let info = retry_info(attempt, failure.into_js(&self.config.api_key), delay_ms, &request);
        callback.call1(&JsValue::UNDEFINED, &info).map(|_| ()).map_err(Failure::Raw)
    }

    /// The call's timeout per attempt: its own, or the client's.
    pub fn timeout_ms(&self, call: &Call) -> f64 {
        call.timeout_ms.unwrap_or(self.config.timeout_ms)
    }

    /// How often the call may be retried: its own limit, or the client's.
    pub fn max_retries(&self, call: &Call) -> u32 {
        call.max_retries.unwrap_or(self.config.max_retries)
    }

    /// The absolute target of a redirect when it stays on the API's origin.
    fn same_origin_target(&self, from: &str, location: Option<&str>) -> Option<String> {
        let target = Url::new_with_base(location?, from).ok()?;
        let base = Url::new(&self.config.base_url).ok()?;
        (target.origin() == base.origin()).then(|| target.href())
    }

    fn fetch_fn(&self) -> Result<Function, Failure> {
        if let Some(f) = &self.fetch {
            return Ok(f.clone());
        }
        let global = get_const(&js_sys::global(), "fetch");
        global.dyn_into::<Function>().map_err(|_| {
            ClientError::new(ErrorKind::Network, "This runtime has no global fetch: pass one as new InstaVM({ fetch })").into()
        })
    }

    /// The request's headers. Requests without a body or key share the
    /// prebuilt object with the runtime's `fetch`, which only reads it; the
    /// others, and every request to a user's `fetch` (a wrapper may add a
    /// header to what it is handed), get a copy.
    fn headers(&self, call: &Call, idempotency_key: Option<&str>) -> Result<Headers, JsValue> {
        if call.body.is_none() && idempotency_key.is_none() && self.fetch.is_none() {
            return Ok(self.base_headers.clone());
        }
        let copy = Headers::new_with_headers(&self.base_headers)?;
        if call.body.is_some() {
            copy.set("Content-Type", "application/json")?;
        }
        if let Some(key) = idempotency_key {
            copy.set("Idempotency-Key", key)?;
        }
        Ok(copy)
    }
}

/// Redirects followed within the API's origin before giving up.
const MAX_REDIRECTS: u32 = 3;


fn redirect_refused(r: &Received, base: &str) -> Failure {
    let to = r.header("location").and_then(|l| Url::new_with_base(&l, base).ok()).map(|u| u.origin());
    let message = match to {
        Some(origin) => format!("The API answered {} redirecting to {origin}; it was not followed, so the API key is never sent outside {base}", r.status),
        None => format!("The API answered with a redirect ({}) that was not followed, so the API key is never sent outside {base}", r.status),
    };
    let mut e = ClientError::new(ErrorKind::Api, message);
    e.status = Some(r.status);
    Failure::described(e, r.header("x-request-id"), JsValue::UNDEFINED)
}

/// Parses a body: empty (or whitespace) is `undefined`, anything else must be
/// JSON. The text stays in JS: only the failure path copies it into wasm.
fn parse_body(text: &JsValue) -> Result<JsValue, ()> {
    match text.dyn_ref::<js_sys::JsString>() {
        None => Ok(JsValue::UNDEFINED),
        Some(s) if s.length() == 0 => Ok(JsValue::UNDEFINED),
        Some(_) => json_parse(text).or_else(|_| match text.as_string() {
            Some(s) if s.trim().is_empty() => Ok(JsValue::UNDEFINED),
            _ => Err(()),
        }),
    }
}

/// What `onRetry` is called with: `{ attempt, error, delayMs }`, and what
/// else the caller knows (the client's adds the request's `method` and
/// `path`; a wait's, nothing).
pub fn retry_info(attempt: u32, error: JsValue, delay_ms: f64, more: &[(&str, JsValue)]) -> JsValue {
    let mut entries = vec![("attempt", JsValue::from(attempt)), ("error", error), ("delayMs", JsValue::from(delay_ms))];
    entries.extend_from_slice(more);
    crate::platform::convert::object(&entries)
}
