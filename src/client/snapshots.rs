//! Planning the snapshot operations: list, create, get, delete, wait.

use wasm_bindgen::JsValue;

use super::args::{id_segment, id_string, CallArgs};
use super::ops::Op;
use super::plan::{planned, planned_with, Lookup, Plan, Shape};
use super::wait::{wait_context, SNAPSHOT_READY};
use crate::core::path::encode_segment;
use crate::core::record::SNAPSHOT_ALIASES;
use crate::core::retry::Method;
use crate::core::image::option_keys;
use crate::core::reconcile::snapshot_fields;
use crate::core::snapshot::{create_body, list_query};
use crate::core::Value;
use crate::platform::convert::{from_js, to_json_string};
use crate::platform::errors::Failure;

/// `GET /v1/snapshots?type=`; `options.extraQuery` adds parameters the
/// client does not know yet.
pub fn list(query: &JsValue, args: &CallArgs) -> Result<Op, Failure> {
    let plan = planned_with(Method::Get, String::new(), Shape::Many(&SNAPSHOT_ALIASES), args, &["extraQuery"])?;
    let qs = list_query(&from_js(query))?;
    let more = args.extra_query()?;
    // The extra pairs come as `&name=value`; the first of a query starts with `?`.
    let qs = match more.strip_prefix('&') {
        Some(first) if qs.is_empty() => format!("?{first}"),
        _ => qs + &more,
    };
    let mut plan = plan;
    plan.call.path = format!("/v1/snapshots{qs}");
    Ok(Op::Request(plan))
}

/// The keys of `create`'s options besides the request's or the wait's.
const CREATE_KEYS: [&str; 2] = ["wait", "extraBody"];

/// `create(params, options)`; with `{ wait: true }` the build is followed to
/// `ready`, and every option (the wait's too) is checked before sending.
/// There `timeoutMs` bounds the wait; the create itself uses the client's.
/// After a lost answer the build is looked for among the snapshots made
/// since the call began, by its name and spec.
pub fn create(params: &JsValue, args: &CallArgs, image: bool) -> Result<Op, Failure> {
    let keys = &option_keys(&CREATE_KEYS, image);
    let body = args.with_extra_body(create_body(&from_js(params))?)?;
    let lookup = Lookup { path: "/v1/snapshots".into(), aliases: &SNAPSHOT_ALIASES, id_field: "id", wanted: snapshot_fields(&body), noun: "snapshot", label: "id" };
    let shape = Shape::One(&SNAPSHOT_ALIASES);
    let mut plan = if args.data.get("wait") == Some(&Value::Bool(true)) {
        let ctx = wait_context(args, keys)?;
        let mut plan = Plan::new(Method::Post, "/v1/snapshots".into(), shape);
        plan.call.signal = ctx.signal.clone();
        plan.then_wait = Some((SNAPSHOT_READY, ctx));
        plan
    } else {
        planned_with(Method::Post, "/v1/snapshots".into(), shape, args, keys)?
    };
    plan.call.body = Some(to_json_string(&body));
    Ok(Op::Request(plan.looked_up(lookup)))
}

pub fn get_one(id: &JsValue, args: &CallArgs) -> Result<Op, Failure> {
    let path = format!("/v1/snapshots/{}", id_segment("id", id)?);
    Ok(Op::Request(planned(Method::Get, path, Shape::One(&SNAPSHOT_ALIASES), args)?))
}

pub fn delete(id: &JsValue, args: &CallArgs) -> Result<Op, Failure> {
    let path = format!("/v1/snapshots/{}", id_segment("id", id)?);
    Ok(Op::Request(planned(Method::Delete, path, Shape::Ack, args)?))
}

/// `waitUntilReady(id)`: the first poll is immediate.
pub fn wait(id: &JsValue, args: &CallArgs) -> Result<Op, Failure> {
    let id = id_string("id", id)?;
    encode_segment("id", &id)?;
    let ctx = wait_context(args, &[])?;
    Ok(Op::Wait { target: SNAPSHOT_READY, id, ctx })
}
