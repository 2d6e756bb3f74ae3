//! Reading a call's JS arguments: options objects, signals, ids and
//! `extraBody`. A leaf: it knows JS values and the core, nothing else of the
//! client, so every operation and the wait can use it.


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
pub fn members_of(options: &JsValue, read: impl Fn(&str, &JsValue) -> Value) -> Value {
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

/// The options inside an argument that may also be the documented positional
/// `wait` boolean: none when it is not an object.
pub fn options_in(arg: &JsValue) -> JsValue {
    if arg.is_object() { arg.clone() } else { JsValue::NULL }
}

/// `options.signal`: absent, or something shaped like an `AbortSignal`.
pub fn signal_option(options: &JsValue) -> Result<Option<AbortSignal>, Failure> {
    let signal = get(options, "signal");
    if !is_present(&signal) {
        return Ok(None);
    }
    let looks_right = get(&signal, "aborted").as_bool().is_some() && get(&signal, "addEventListener").is_function();
    if !looks_right {
        return Err(ClientError::invalid("signal", "must be an AbortSignal, e.g. AbortSignal.timeout(60_000) or controller.signal").into());
    }
    Ok(Some(signal.unchecked_into()))
}

/// An id argument: a string, else a `ValidationError` naming `field`.
pub fn id_string(field: &str, id: &JsValue) -> Result<String, Failure> {
    id.as_string().ok_or_else(|| ClientError::invalid(field, format!("must be a string id, got {}", from_js(id).type_name())).into())
}

/// The `{id}` path segment from a JS value.
pub fn id_segment(field: &str, id: &JsValue) -> Result<String, Failure> {
    Ok(encode_segment(field, &id_string(field, id)?)?)
}

/// `options.extraBody` merged into a checked body: fields the API has and the
/// client does not know yet, sent as they are.
pub fn with_extra_body(mut body: Value, options: &JsValue) -> Result<Value, Failure> {
    let extra = get(options, "extraBody");
    if is_present(&extra) {
        crate::core::keys::merge_extra_body(&mut body, &from_js(&extra))?;
    }
    Ok(body)
}
