//! The snapshot operations: list, create, get, delete.

use wasm_bindgen::{JsCast, JsValue};

use super::records;
use super::transport::Transport;
use crate::core::error::ClientError;
use crate::core::options::parse_call_options;
use crate::core::path::encode_segment;
use crate::core::record::SNAPSHOT_ALIASES;
use crate::core::retry::Method;
use crate::core::snapshot::{create_body, list_query};
use crate::platform::bindings::AbortSignal;
use crate::platform::convert::{from_js, get, is_present, to_json_string};
use crate::platform::errors::Failure;

/// Per-call options as read from JS: `{ signal, timeoutMs }`.
pub struct CallContext {
    pub signal: Option<AbortSignal>,
    pub timeout_ms: Option<f64>,
}

pub fn call_context(options: &JsValue) -> Result<CallContext, Failure> {
    let parsed = parse_call_options(&shallow(options))?;
    Ok(CallContext { signal: signal_option(options)?, timeout_ms: parsed.timeout_ms })
}

/// Reads only the top level of an options object: nested values (a signal, a
/// callback) are checked by the platform, not walked into.
pub fn shallow(options: &JsValue) -> crate::core::Value {
    use crate::core::Value;
    if !is_present(options) {
        return Value::Null;
    }
    if !options.is_object() || js_sys::Array::is_array(options) {
        return from_js(options);
    }
    let keys = js_sys::Object::keys(options.unchecked_ref::<js_sys::Object>());
    let members = keys
        .iter()
        .filter_map(|k| k.as_string())
        .filter_map(|k| {
            let v = get(options, &k);
            let read = if v.is_object() { Value::Object(Vec::new()) } else { from_js(&v) };
            (!v.is_undefined()).then_some((k, read))
        })
        .collect();
    Value::Object(members)
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
pub fn id_string_named(field: &str, id: &JsValue) -> Result<String, Failure> {
    id.as_string().ok_or_else(|| ClientError::invalid(field, format!("must be a string id, got {}", from_js(id).type_name())).into())
}

pub fn id_string(id: &JsValue) -> Result<String, Failure> {
    id_string_named("id", id)
}

/// The `{id}` path segment from a JS value.
pub fn id_segment(field: &str, id: &JsValue) -> Result<String, Failure> {
    Ok(encode_segment(field, &id_string_named(field, id)?)?)
}

pub async fn list(t: &Transport, query: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let qs = list_query(&from_js(&query))?;
    let ctx = call_context(&options)?;
    let reply = t.send(t.call(Method::Get, format!("/v1/snapshots{qs}"), ctx.signal.as_ref(), ctx.timeout_ms)).await?;
    records::many(reply, &SNAPSHOT_ALIASES)
}

pub async fn create(t: &Transport, params: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let body = create_body(&from_js(&params))?;
    let ctx = call_context(&options)?;
    let mut call = t.call(Method::Post, "/v1/snapshots".into(), ctx.signal.as_ref(), ctx.timeout_ms);
    call.body = Some(to_json_string(&body));
    records::one(t.send(call).await?, &SNAPSHOT_ALIASES)
}

pub async fn get_one(t: &Transport, id: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let seg = id_segment("id", &id)?;
    let ctx = call_context(&options)?;
    let reply = t.send(t.call(Method::Get, format!("/v1/snapshots/{seg}"), ctx.signal.as_ref(), ctx.timeout_ms)).await?;
    records::one(reply, &SNAPSHOT_ALIASES)
}

pub async fn delete(t: &Transport, id: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let seg = id_segment("id", &id)?;
    let ctx = call_context(&options)?;
    let reply = t.send(t.call(Method::Delete, format!("/v1/snapshots/{seg}"), ctx.signal.as_ref(), ctx.timeout_ms)).await?;
    Ok(records::deleted(reply))
}
