//! Reading a call's JS arguments: options objects, signals, ids and
//! `extraBody`. A leaf: it knows JS values and the core, nothing else of the
//! client, so every operation and the wait can use it.


use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::error::ClientError;
use crate::core::path::encode_segment;
use crate::core::Value;
use web_sys::AbortSignal;
use crate::platform::convert::{from_js, get, is_present};
use crate::platform::errors::Failure;

/// Reads only the top level of an options object: nested values (a signal, a
/// callback) are checked by the platform, not walked into.
pub fn shallow(options: &JsValue) -> Value {
    if !is_present(options) {
        return Value::Null;
    }
    members_of(options, |_, v| if v.is_object() { Value::Object(Vec::new()) } else { from_js(v) })
}

/// The own enumerable members of an options object, each read by `read`
/// (undefined ones left out, as JS spreads and JSON leave them). Anything but
/// a plain object is read whole, for validation to name.
pub fn members_of(options: &JsValue, mut read: impl FnMut(&str, &JsValue) -> Value) -> Value {
    if !options.is_object() || js_sys::Array::is_array(options) {
        return from_js(options);
    }
    let keys = js_sys::Object::keys(options.unchecked_ref::<js_sys::Object>());
    let members = keys
        .iter()
        .filter_map(|k| k.as_string())
        .filter_map(|k| {
            let v = get(options, &k);
            (!v.is_undefined()).then(|| {
                let read = read(&k, &v);
                (k, read)
            })
        })
        .collect();
    Value::Object(members)
}

/// One call's options argument, read from JS once, at the API boundary:
/// the scalar members as data for the core's checks (which refuse unknown
/// keys and read the numbers), and the members that stay JS values (the
/// signal, the callback) or are JSON to send (`extraBody`, `extraQuery`).
/// Nothing below the API reads the options object again.
pub struct CallArgs {
    /// The options' members (nested objects as `{}`), `Null` when the
    /// argument is absent, or what it is when it is not an object (the
    /// positional `wait` boolean).
    pub data: Value,
    signal: JsValue,
    on_status: JsValue,
    on_retry: JsValue,
    extra_body: Option<Value>,
    extra_query: Option<Value>,
    /// The argument may be the documented positional `wait` boolean instead.
    may_be_wait_flag: bool,
}

impl CallArgs {
    /// An options argument.
    pub fn read(arg: &JsValue) -> CallArgs {
        Self::read_arg(arg, false)
    }

    /// A `wait` argument: the positional boolean, or options with `wait`.
    pub fn read_wait(arg: &JsValue) -> CallArgs {
        Self::read_arg(arg, true)
    }

    fn read_arg(arg: &JsValue, may_be_wait_flag: bool) -> CallArgs {
        let mut out = CallArgs {
            data: Value::Null,
            signal: JsValue::UNDEFINED,
            on_status: JsValue::UNDEFINED,
            on_retry: JsValue::UNDEFINED,
            extra_body: None,
            extra_query: None,
            may_be_wait_flag,
        };
        if !is_present(arg) {
            return out;
        }
        out.data = members_of(arg, |key, v| match key {
            "signal" => {
                out.signal = v.clone();
                Value::Object(Vec::new())
            }
            "onStatus" => {
                out.on_status = v.clone();
                Value::Object(Vec::new())
            }
            "onRetry" => {
                out.on_retry = v.clone();
                Value::Object(Vec::new())
            }
            "extraBody" => {
                out.extra_body = Some(from_js(v));
                Value::Object(Vec::new())
            }
            "extraQuery" => {
                out.extra_query = Some(from_js(v));
                Value::Object(Vec::new())
            }
            _ if v.is_object() => Value::Object(Vec::new()),
            _ => from_js(v),
        });
        out
    }

    /// The options object's members, for the core's checks; `Null` for the
    /// positional `wait` boolean, which carries no options (anything else
    /// that is not an object is left for the core to refuse by name).
    pub fn options(&self) -> &Value {
        match &self.data {
            Value::Bool(_) if self.may_be_wait_flag => &Value::Null,
            data => data,
        }
    }

    /// `signal`: absent, or something shaped like an `AbortSignal`.
    pub fn signal(&self) -> Result<Option<AbortSignal>, Failure> {
        if !is_present(&self.signal) {
            return Ok(None);
        }
        let looks_right = get(&self.signal, "aborted").as_bool().is_some() && get(&self.signal, "addEventListener").is_function();
        if !looks_right {
            return Err(ClientError::invalid("signal", "must be an AbortSignal, e.g. AbortSignal.timeout(60_000) or controller.signal").into());
        }
        Ok(Some(self.signal.clone().unchecked_into()))
    }

    /// `onStatus`: absent, or a function.
    pub fn on_status(&self) -> Result<Option<Function>, Failure> {
        function_or_none(&self.on_status, "onStatus", "must be a function called with each new status")
    }

    /// `onRetry`: absent, or a function.
    pub fn on_retry(&self) -> Result<Option<Function>, Failure> {
        function_or_none(&self.on_retry, "onRetry", "must be a function called with { attempt, error, delayMs } before each retry")
    }

    /// `extraBody` merged into a checked body: fields the API has and the
    /// client does not know yet, sent as they are.
    pub fn with_extra_body(&self, mut body: Value) -> Result<Value, Failure> {
        if let Some(extra) = self.extra_body.as_ref().filter(|v| !matches!(v, Value::Null)) {
            crate::core::keys::merge_extra_body(&mut body, extra)?;
        }
        Ok(body)
    }

    /// `extraQuery` as `&name=value` pairs (empty without it).
    pub fn extra_query(&self) -> Result<String, Failure> {
        match self.extra_query.as_ref().filter(|v| !matches!(v, Value::Null)) {
            Some(extra) => Ok(crate::core::keys::extra_query(extra)?),
            None => Ok(String::new()),
        }
    }
}

/// An id argument: a string, else a `ValidationError` naming `field`.
pub fn id_string(field: &str, id: &JsValue) -> Result<String, Failure> {
    id.as_string().ok_or_else(|| ClientError::invalid(field, format!("must be a string id, got {}", from_js(id).type_name())).into())
}

/// The `{id}` path segment from a JS value.
pub fn id_segment(field: &str, id: &JsValue) -> Result<String, Failure> {
    Ok(encode_segment(field, &id_string(field, id)?)?)
}

/// A callback option: absent, or a function; anything else is refused by name.
pub fn function_or_none(v: &JsValue, field: &str, problem: &str) -> Result<Option<Function>, Failure> {
    match v {
        f if !is_present(f) => Ok(None),
        f if f.is_function() => Ok(Some(f.clone().unchecked_into())),
        _ => Err(ClientError::invalid(field, problem).into()),
    }
}
