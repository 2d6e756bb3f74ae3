//! Planning the snapshot operations: list, create, get, delete, wait.

use wasm_bindgen::{JsCast, JsValue};

use super::plan::{Op, Plan, Shape};
use super::wait::{wait_context, SNAPSHOT_READY};
use crate::core::error::ClientError;
use crate::core::options::parse_call_options;
use crate::core::path::encode_segment;
use crate::core::record::SNAPSHOT_ALIASES;
use crate::core::retry::Method;
use crate::core::snapshot::{create_body, list_query};
use crate::core::Value;
use crate::platform::bindings::AbortSignal;
use crate::platform::convert::{from_js, get, is_present, to_json_string};
use crate::platform::errors::Failure;

/// A plan for `method path` with the per-call options `{ signal, timeoutMs }`.
pub fn planned(method: Method, path: String, shape: Shape, options: &JsValue) -> Result<Plan, Failure> {
    let parsed = parse_call_options(&shallow(options))?;
    let mut plan = Plan::new(method, path, shape);
    plan.signal = signal_option(options)?;
    plan.timeout_ms = parsed.timeout_ms;
    Ok(plan)
}

/// Reads only the top level of an options object: nested values (a signal, a
/// callback) are checked by the platform, not walked into.
pub fn shallow(options: &JsValue) -> Value {
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
pub fn id_string(field: &str, id: &JsValue) -> Result<String, Failure> {
    id.as_string().ok_or_else(|| ClientError::invalid(field, format!("must be a string id, got {}", from_js(id).type_name())).into())
}

/// The `{id}` path segment from a JS value.
pub fn id_segment(field: &str, id: &JsValue) -> Result<String, Failure> {
    Ok(encode_segment(field, &id_string(field, id)?)?)
}

pub fn list(query: &JsValue, options: &JsValue) -> Result<Op, Failure> {
    let qs = list_query(&from_js(query))?;
    Ok(Op::Request(planned(Method::Get, format!("/v1/snapshots{qs}"), Shape::Many(&SNAPSHOT_ALIASES), options)?))
}

/// `create(params, options)`; with `{ wait: true }` the build is followed to
/// `ready`, and every option (the wait's too) is checked before sending.
/// There `timeoutMs` bounds the wait; the create itself uses the client's.
pub fn create(params: &JsValue, options: &JsValue) -> Result<Op, Failure> {
    let body = create_body(&from_js(params))?;
    let shape = Shape::One(&SNAPSHOT_ALIASES);
    let mut plan = if get(options, "wait").as_bool() == Some(true) {
        let ctx = wait_context(options)?;
        let mut plan = Plan::new(Method::Post, "/v1/snapshots".into(), shape);
        plan.signal = ctx.signal.clone();
        plan.then_wait = Some((SNAPSHOT_READY, ctx));
        plan
    } else {
        planned(Method::Post, "/v1/snapshots".into(), shape, options)?
    };
    plan.body = Some(to_json_string(&body));
    plan.idempotency_key = Some(crate::platform::random::idempotency_key());
    Ok(Op::Request(plan))
}

pub fn get_one(id: &JsValue, options: &JsValue) -> Result<Op, Failure> {
    let path = format!("/v1/snapshots/{}", id_segment("id", id)?);
    Ok(Op::Request(planned(Method::Get, path, Shape::One(&SNAPSHOT_ALIASES), options)?))
}

pub fn delete(id: &JsValue, options: &JsValue) -> Result<Op, Failure> {
    let path = format!("/v1/snapshots/{}", id_segment("id", id)?);
    Ok(Op::Request(planned(Method::Delete, path, Shape::Ack, options)?))
}

/// `waitUntilReady(id)`: the first poll is immediate.
pub fn wait(id: &JsValue, options: &JsValue) -> Result<Op, Failure> {
    let id = id_string("id", id)?;
    encode_segment("id", &id)?;
    let ctx = wait_context(options)?;
    Ok(Op::Wait { target: SNAPSHOT_READY, id, ctx })
}
