//! One API call: build the request, send it, retry what the policy allows,
//! and turn the answer into a parsed body or a described failure.

use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::error::ClientError;
use crate::core::options::Config;
use crate::core::retry::{self, Method, Outcome};
use crate::core::validate::show_number;
use crate::core::ErrorKind;
use crate::platform::bindings::{json_parse, AbortSignal};
use crate::platform::convert::{from_js, get, object, set};
use crate::platform::errors::Failure;
use crate::platform::fetch::{send, SendError};
use crate::platform::{random, timer};

pub struct Transport {
    pub config: Config,
    /// The user's `fetch` override; the global one is looked up per call
    /// otherwise, so a polyfill installed after construction still counts.
    pub fetch: Option<Function>,
}

/// What to send.
#[derive(Clone)]
pub struct Call<'a> {
    pub method: Method,
    /// From the API root, already encoded: `/v1/snapshots/snap_1`.
    pub path: String,
    /// JSON text, already serialised.
    pub body: Option<JsValue>,
    pub timeout_ms: f64,
    pub signal: Option<&'a AbortSignal>,
    pub max_retries: u32,
    /// For a POST: the `Idempotency-Key`, when the caller chose it (it must
    /// be known in advance to find a VM after an ambiguous failure).
    pub idempotency_key: Option<String>,
}

/// A successful answer. `body` is the parsed JSON, or `undefined` when the
/// server sent an empty body.
pub struct Reply {
    pub body: JsValue,
    pub request_id: Option<String>,
}

impl Transport {
    pub fn call<'a>(&self, method: Method, path: String, signal: Option<&'a AbortSignal>, timeout_ms: Option<f64>) -> Call<'a> {
        Call {
            method,
            path,
            body: None,
            timeout_ms: timeout_ms.unwrap_or(self.config.timeout_ms),
            signal,
            max_retries: self.config.max_retries,
            idempotency_key: None,
        }
    }

    pub async fn send(&self, call: Call<'_>) -> Result<Reply, Failure> {
        let fetch = self.fetch_fn()?;
        let url = format!("{}{}", self.config.base_url, call.path);
        let idempotency_key = match (&call.idempotency_key, call.method) {
            (Some(k), _) => Some(k.clone()),
            (None, Method::Post) => Some(random::idempotency_key()),
            (None, _) => None,
        };
        let mut attempt = 0;
        // Set once an attempt may have reached the server without us seeing
        // its answer: a later 404 on DELETE then means "already deleted".
        let mut maybe_acted = false;
        loop {
            let init = self.request_init(&call, idempotency_key.as_deref());
            let (outcome, failure) = match send(&fetch, &url, &init, call.timeout_ms, call.signal).await {
                Err(SendError::Aborted(reason)) => return Err(Failure::Raw(reason)),
                Err(SendError::TimedOut) => (
                    Outcome::Timeout,
                    Failure::from(ClientError::new(
                        ErrorKind::Timeout,
                        format!("{} {} timed out after {} ms", call.method.as_str(), call.path, show_number(call.timeout_ms)),
                    )),
                ),
                Err(SendError::Network(message)) => (
                    Outcome::Network,
                    Failure::from(ClientError::new(ErrorKind::Network, format!("Could not reach {}: {message}", self.config.base_url))),
                ),
                Ok(r) if (200..300).contains(&r.status) => match parse_body(&r.body) {
                    Ok(body) => return Ok(Reply { body, request_id: r.request_id }),
                    Err(()) => {
                        let mut e = ClientError::new(ErrorKind::Api, format!("The server answered {} with a body that is not valid JSON", r.status));
                        e.status = Some(r.status);
                        // A body cut short in transit is worth another read; a
                        // POST that acted is not repeated.
                        (Outcome::Network, Failure::described(e, r.request_id, r.body))
                    }
                },
                Ok(r) if r.status == 404 && call.method == Method::Delete && maybe_acted => {
                    return Ok(Reply { body: JsValue::UNDEFINED, request_id: r.request_id });
                }
                Ok(r) => {
                    let parsed = parse_body(&r.body).ok().filter(JsValue::is_object);
                    let text = r.body.as_string().unwrap_or_default();
                    let mut e = ClientError::from_response(r.status, &parsed.as_ref().map(from_js).unwrap_or(crate::core::Value::Null), &text);
                    e.retry_after_ms = retry::server_delay_ms(r.retry_after_ms.as_deref(), r.retry_after.as_deref(), timer::now_ms());
                    (Outcome::Status(r.status), Failure::described(e, r.request_id, parsed.unwrap_or(r.body)))
                }
            };
            let server_ms = failure.retry_after_ms();
            let Some(delay) = retry::next_delay_ms(call.method, outcome, attempt, call.max_retries, server_ms, random::unit()) else {
                return Err(failure);
            };
            maybe_acted |= !matches!(outcome, Outcome::Status(400..=499));
            timer::sleep(delay, call.signal).await.map_err(Failure::Raw)?;
            attempt += 1;
        }
    }

    fn fetch_fn(&self) -> Result<Function, Failure> {
        if let Some(f) = &self.fetch {
            return Ok(f.clone());
        }
        let global = get(&js_sys::global(), "fetch");
        global.dyn_into::<Function>().map_err(|_| {
            ClientError::new(ErrorKind::Network, "This runtime has no global fetch: pass one as new InstaVM({ fetch })").into()
        })
    }

    /// `{ method, headers, body }`: the user's extra headers first, so the
    /// client's own (the key, the content type) always win.
    fn request_init(&self, call: &Call<'_>, idempotency_key: Option<&str>) -> JsValue {
        let headers = object(&[]);
        for (name, value) in &self.config.headers {
            set(&headers, name, &JsValue::from_str(value));
        }
        set(&headers, "Accept", &JsValue::from_str("application/json"));
        set(&headers, "X-API-Key", &JsValue::from_str(&self.config.api_key));
        if call.body.is_some() {
            set(&headers, "Content-Type", &JsValue::from_str("application/json"));
        }
        if let Some(key) = idempotency_key {
            set(&headers, "Idempotency-Key", &JsValue::from_str(key));
        }
        let init = object(&[("method", JsValue::from_str(call.method.as_str())), ("headers", headers)]);
        if let Some(body) = &call.body {
            set(&init, "body", body);
        }
        init
    }
}

/// Parses a body: empty (or whitespace) is `undefined`, anything else must be JSON.
/// The text stays in JS: only the failure path copies it into wasm.
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
