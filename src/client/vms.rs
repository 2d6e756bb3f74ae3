//! Planning the VM operations: lifecycle, snapshots of running VMs, env
//! staging and volumes. Methods that accept `wait` take the documented
//! positional boolean or an options object `{ wait, signal, timeoutMs, onStatus }`.


use wasm_bindgen::JsValue;

use super::plan::{Op, Plan, Shape};
use super::args::{id_segment, options_in, planned, shallow};
use super::wait::{wait_context, SNAPSHOT_READY, VM_LIVE, VM_SUSPENDED};
use crate::core::path::percent_encode;
use crate::core::record::{SNAPSHOT_ALIASES, VM_ALIASES};
use crate::core::retry::Method;
use crate::core::validate::present;
use crate::core::vm;
use crate::core::Value;
use crate::platform::convert::{from_js, to_json_string};
use crate::platform::errors::Failure;
use crate::platform::random;

fn vm_path(vm_id: &JsValue, rest: &str) -> Result<String, Failure> {
    Ok(format!("/v1/vms/{}{rest}", id_segment("vmId", vm_id)?))
}

/// A plan for a method with a `wait` argument. Its request runs on the
/// client's timeout; `timeoutMs` bounds the wait. With `wait` set, the answer
/// is followed until `target` is reached (at once when it already is).
fn waiting(method: Method, path: impl FnOnce(bool) -> Result<String, Failure>, shape: Shape, wait_arg: &JsValue, target: super::wait::Target) -> Result<Plan, Failure> {
    waiting_default(method, path, shape, wait_arg, target, true)
}

fn waiting_default(
    method: Method,
    path: impl FnOnce(bool) -> Result<String, Failure>,
    shape: Shape,
    wait_arg: &JsValue,
    target: super::wait::Target,
    default: bool,
) -> Result<Plan, Failure> {
    let wait = vm::wait_flag(&shallow(wait_arg), default)?;
    let ctx = wait_context(wait_arg)?;
    let mut plan = Plan::new(method, path(wait)?, shape);
    plan.signal = ctx.signal.clone();
    if wait {
        plan.then_wait = Some((target, ctx));
    }
    Ok(plan)
}

fn with_body(mut plan: Plan, body: &Value) -> Op {
    plan.body = Some(to_json_string(body));
    Op::Request(plan)
}

/// `POST /v1/vms?wait=`. The idempotency key is also recorded in the VM's
/// `metadata`: after an ambiguous failure the executor finds the VM by it
/// instead of creating a second one.
pub fn create(body: &JsValue, wait_arg: &JsValue) -> Result<Op, Failure> {
    let key = random::idempotency_key();
    let body = vm::create_body(&from_js(body), &key)?;
    let mut plan = waiting(Method::Post, |w| Ok(format!("/v1/vms?wait={w}")), Shape::One(&VM_ALIASES), wait_arg, VM_LIVE)?;
    plan.idempotency_key = Some(key);
    plan.find_vm_by_key = true;
    Ok(with_body(plan, &body))
}

/// `GET /v1/vms` (running) or `GET /v1/vms/` (every record, terminated too).
pub fn list(all: bool, options: &JsValue) -> Result<Op, Failure> {
    let path = if all { "/v1/vms/" } else { "/v1/vms" };
    Ok(Op::Request(planned(Method::Get, path.into(), Shape::Many(&VM_ALIASES), options)?))
}

pub fn get_one(vm_id: &JsValue, options: &JsValue) -> Result<Op, Failure> {
    Ok(Op::Request(planned(Method::Get, vm_path(vm_id, "")?, Shape::One(&VM_ALIASES), options)?))
}

pub fn update(vm_id: &JsValue, patch: &JsValue, options: &JsValue) -> Result<Op, Failure> {
    let path = vm_path(vm_id, "")?;
    let body = vm::update_body(&from_js(patch))?;
    Ok(with_body(planned(Method::Patch, path, Shape::Ack, options)?, &body))
}

pub fn delete(vm_id: &JsValue, options: &JsValue) -> Result<Op, Failure> {
    Ok(Op::Request(planned(Method::Delete, vm_path(vm_id, "")?, Shape::Ack, options)?))
}

/// Snapshots a VM's state. The server is always asked not to wait: the
/// client polls the snapshot record instead, so the wait can be cancelled,
/// never meets a request timeout, and a failed capture rejects with
/// `SnapshotBuildFailedError` even while the VM stays healthy.
pub fn snapshot(vm_id: &JsValue, body: &JsValue, wait_arg: &JsValue) -> Result<Op, Failure> {
    let body = vm::named_body(&from_js(body), "name")?;
    let mut plan = waiting(Method::Post, |_| vm_path(vm_id, "/snapshot?wait=false"), Shape::One(&SNAPSHOT_ALIASES), wait_arg, SNAPSHOT_READY)?;
    plan.idempotency_key = Some(random::idempotency_key());
    Ok(with_body(plan, &body))
}

pub fn clone(vm_id: &JsValue, body: &JsValue, wait_arg: &JsValue) -> Result<Op, Failure> {
    let body = vm::named_body(&from_js(body), "snapshot_name")?;
    let mut plan = waiting(Method::Post, |w| vm_path(vm_id, &format!("/clone?wait={w}")), Shape::One(&VM_ALIASES), wait_arg, VM_LIVE)?;
    plan.idempotency_key = Some(random::idempotency_key());
    Ok(with_body(plan, &body))
}

/// The API answers `suspending` at once; with `wait` (default false, the
/// API's own behaviour) the client polls until the VM is `suspended`.
pub fn suspend(vm_id: &JsValue, wait_arg: &JsValue) -> Result<Op, Failure> {
    let plan = waiting_default(Method::Post, |_| vm_path(vm_id, "/suspend"), Shape::One(&VM_ALIASES), wait_arg, VM_SUSPENDED, false)?;
    Ok(Op::Request(plan))
}

/// Resolves with the **new** VM the API mints on resume.
pub fn resume(vm_id: &JsValue, wait_arg: &JsValue) -> Result<Op, Failure> {
    let plan = waiting(Method::Post, |w| vm_path(vm_id, &format!("/resume?wait={w}")), Shape::One(&VM_ALIASES), wait_arg, VM_LIVE)?;
    Ok(Op::Request(plan))
}

/// `POST /v1/vms/{id}/stage-env`. The values are secrets: failures are
/// scrubbed of them and carry no body, and the answer is never handed back.
pub fn stage_env(vm_id: &JsValue, env: &JsValue, options: &JsValue) -> Result<Op, Failure> {
    let path = vm_path(vm_id, "/stage-env")?;
    let env = from_js(env);
    let secrets: Vec<String> = match &env {
        Value::Object(m) => m.iter().filter_map(|(_, v)| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    let body = vm::stage_env_body(&env).map_err(|e| Failure::from(e).scrubbed(&secrets))?;
    let mut plan = planned(Method::Post, path, Shape::Hidden, options)?;
    plan.scrub = secrets;
    Ok(with_body(plan, &body))
}

pub fn mount_volume(vm_id: &JsValue, volume: &JsValue, wait_arg: &JsValue) -> Result<Op, Failure> {
    let body = vm::volume("", &from_js(volume))?;
    let wait = vm::wait_flag(&shallow(wait_arg), true)?;
    let plan = planned(Method::Post, vm_path(vm_id, &format!("/volumes?wait={wait}"))?, Shape::Ack, &options_in(wait_arg))?;
    Ok(with_body(plan, &body))
}

pub fn list_volumes(vm_id: &JsValue, options: &JsValue) -> Result<Op, Failure> {
    Ok(Op::Request(planned(Method::Get, vm_path(vm_id, "/volumes")?, Shape::Many(&[]), options)?))
}

/// `DELETE /v1/vms/{id}/volumes/{volume_id}?mount_path=&wait=`; `options`
/// may name the `mount_path` and carry `wait`, `signal`, `timeoutMs`.
pub fn unmount_volume(vm_id: &JsValue, volume_id: &JsValue, options: &JsValue) -> Result<Op, Failure> {
    let volume = id_segment("volumeId", volume_id)?;
    let read = shallow(options);
    let mut query = format!("?wait={}", vm::wait_flag(&read, true)?);
    if let Some(mount) = present(read.get("mount_path")) {
        query.push_str(&format!("&mount_path={}", percent_encode(&vm::query_string("mount_path", mount)?)));
    }
    let path = vm_path(vm_id, &format!("/volumes/{volume}{query}"))?;
    Ok(Op::Request(planned(Method::Delete, path, Shape::Ack, &options_in(options))?))
}
