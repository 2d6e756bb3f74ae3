//! Planning the snapshot operations: list, create, get, delete, wait.

use wasm_bindgen::JsValue;

use super::args::{id_segment, id_string, planned};
use super::plan::{Op, Plan, Shape};
use super::wait::{wait_context, SNAPSHOT_READY};
use crate::core::path::encode_segment;
use crate::core::record::SNAPSHOT_ALIASES;
use crate::core::retry::Method;
use crate::core::snapshot::{create_body, list_query};
use crate::platform::convert::{from_js, get, to_json_string};
use crate::platform::errors::Failure;

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
