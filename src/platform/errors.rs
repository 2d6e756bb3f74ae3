//! Failures on their way to JS: either a value to reject with as it is (an
//! abort reason, what a user callback threw) or a described client error that
//! becomes an instance of the package's `Error` subclasses.


use std::cell::RefCell;

use js_sys::Function;
use wasm_bindgen::JsValue;

use super::convert::{get, object, set};
use crate::core::error::redact;
use crate::core::{ClientError, ErrorKind};

thread_local! {
    /// Turns a descriptor object into a real `Error` subclass instance. Set by
    /// the JS layer at load time (`setErrorFactory`), where the classes live.
    static FACTORY: RefCell<Option<Function>> = const { RefCell::new(None) };
}

pub fn set_factory(factory: Function) {
    FACTORY.with(|f| *f.borrow_mut() = Some(factory));
}

/// Why a call did not succeed.
pub enum Failure {
    /// Rejected with exactly this value (the signal's reason, a callback's throw).
    Raw(JsValue),
    Client(Box<Described>),
}

/// A client error plus what the response told us.
pub struct Described {
    pub error: ClientError,
    pub request_id: Option<String>,
    /// The parsed error body, or the raw text when it was not JSON.
    pub body: JsValue,
    /// The record concerned (a failed build, a wait that timed out), and the
    /// property it is exposed under (`snapshot` or `vm`).
    pub record: Option<(&'static str, JsValue)>,
    /// What the runtime threw, for a network failure (the error's `cause`).
    pub cause: JsValue,
    /// The request may have acted on the server although its answer was
    /// lost (the error's `mayHaveActed`): it is not sent again blindly.
    pub may_have_acted: bool,
    /// What a lookup after the lost answer found that may be the request's
    /// doing (the error's `candidates`), when it could not tell.
    pub candidates: JsValue,
}

impl Described {
    /// The error alone; each constructor of [`Failure`] adds what it knows.
    fn of(error: ClientError) -> Described {
        Described { error, request_id: None, body: JsValue::UNDEFINED, record: None, cause: JsValue::UNDEFINED, may_have_acted: false, candidates: JsValue::UNDEFINED }
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        Failure::Client(Box::new(Described::of(error)))
    }
}

impl Failure {
    pub fn described(error: ClientError, request_id: Option<String>, body: JsValue) -> Self {
        Failure::Client(Box::new(Described { request_id, body, ..Described::of(error) }))
    }

    /// A failure the runtime caused (a network error): `cause` is what it threw.
    pub fn caused(error: ClientError, cause: JsValue) -> Self {
        Failure::Client(Box::new(Described { cause, ..Described::of(error) }))
    }

    /// An error about a record: `key` is `snapshot` or `vm`.
    pub fn with_record(error: ClientError, key: &'static str, record: JsValue) -> Self {
        Failure::Client(Box::new(Described { record: Some((key, record)), ..Described::of(error) }))
    }

    /// Removes `secrets` (values a user staged) from the message and drops the
    /// body, which might echo them.
    pub fn scrubbed(self, secrets: &[String]) -> Self {
        match self {
            Failure::Client(mut d) => {
                for s in secrets.iter().filter(|s| s.len() >= 3) {
                    d.error = d.error.redacted(s);
                }
                d.body = JsValue::UNDEFINED;
                Failure::Client(d)
            }
            raw => raw,
        }
    }

    /// Whether the request may have acted although it failed.
    pub fn may_have_acted(&self) -> bool {
        matches!(self, Failure::Client(d) if d.may_have_acted)
    }

    /// Says whether the request may have acted; `note` is added to the
    /// message (what was found, what to check), `candidates` exposed.
    pub fn acted(self, may_have_acted: bool, note: &str, candidates: JsValue) -> Self {
        match self {
            Failure::Client(mut d) => {
                d.may_have_acted = may_have_acted;
                if !note.is_empty() {
                    d.error.message.push_str(note);
                }
                d.candidates = candidates;
                Failure::Client(d)
            }
            raw => raw,
        }
    }

    /// The kind, when this is a described error.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Failure::Client(d) => Some(d.error.kind),
            Failure::Raw(_) => None,
        }
    }

    /// What the server asked to wait before trying again, if it did.
    pub fn retry_after_ms(&self) -> Option<f64> {
        match self {
            Failure::Client(d) => d.error.retry_after_ms,
            Failure::Raw(_) => None,
        }
    }

    /// The JS value to reject with. `secret` (the API key) is scrubbed from the
    /// message; it is never put anywhere else.
    pub fn into_js(self, secret: &str) -> JsValue {
        match self {
            Failure::Raw(v) => v,
            Failure::Client(d) => make_error(*d, secret),
        }
    }
}

fn make_error(d: Described, secret: &str) -> JsValue {
    let e = d.error.redacted(secret);
    let opt_str = |s: Option<String>| s.map_or(JsValue::UNDEFINED, |s| JsValue::from_str(&s));
    let opt_num = |n: Option<f64>| n.map_or(JsValue::UNDEFINED, JsValue::from_f64);
    let (record_key, record) = d.record.unwrap_or(("snapshot", JsValue::UNDEFINED));
    let last_error = if record.is_object() { first_failure_text(&record) } else { JsValue::UNDEFINED };
    let entries = [
        ("name", JsValue::from_str(e.kind.class_name())),
        ("message", JsValue::from_str(&e.message)),
        ("status", opt_num(e.status.map(f64::from))),
        ("requestId", opt_str(d.request_id)),
        ("body", redacted_body(d.body, secret)),
        ("field", opt_str(e.field)),
        ("retryAfterMs", opt_num(e.retry_after_ms)),
        (record_key, record),
        ("lastError", last_error),
        ("cause", d.cause),
        ("mayHaveActed", if d.may_have_acted { JsValue::TRUE } else { JsValue::UNDEFINED }),
        ("candidates", d.candidates),
    ];
    let descriptor = object(&entries);
    let factory = FACTORY.with(|f| f.borrow().clone());
    if let Some(factory) = factory {
        if let Ok(made) = factory.call1(&JsValue::UNDEFINED, &descriptor) {
            return made;
        }
    }
    // Without the JS layer (raw wasm use, wasm tests): a plain Error carrying
    // the same properties, those that hold a value.
    let fallback: JsValue = js_sys::Error::new(&e.message).into();
    for (key, v) in entries.iter().filter(|(k, v)| *k != "message" && !v.is_undefined()) {
        set(&fallback, key, v);
    }
    fallback
}

/// The error body with the key replaced wherever a string of it holds it
/// (a server may echo the key it refused): the body is handed to `onRetry`
/// and kept on thrown errors, and the key is in no error. Checked on its JSON
/// text, so the common case (no key in it) costs one stringify.
fn redacted_body(body: JsValue, secret: &str) -> JsValue {
    if secret.is_empty() || body.is_undefined() || body.is_null() {
        return body;
    }
    if let Some(text) = body.as_string() {
        return if text.contains(secret) { JsValue::from_str(&redact(&text, secret)) } else { body };
    }
    let Some(json) = js_sys::JSON::stringify(&body).ok().and_then(|s| s.as_string()) else { return body };
    // In JSON text the key appears as it is, or with `"` and `\` escaped.
    let escaped = secret.replace('\\', "\\\\").replace('"', "\\\"");
    if !json.contains(secret) && !json.contains(&escaped) {
        return body;
    }
    js_sys::JSON::parse(&redact(&redact(&json, &escaped), secret)).unwrap_or(JsValue::UNDEFINED)
}

/// `last_error`, `error` or `message` of a record, whichever is a non-empty string.
pub fn first_failure_text(record: &JsValue) -> JsValue {
    crate::core::record::FAILURE_FIELDS
        .iter()
        .map(|k| get(record, k))
        .find(|v| v.as_string().is_some_and(|s| !s.is_empty()))
        .unwrap_or(JsValue::UNDEFINED)
}
