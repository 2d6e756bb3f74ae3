//! Planning the VM operations: lifecycle, snapshots of running VMs, env
//! staging and volumes. Methods that accept `wait` take the documented
//! positional boolean or an options object `{ wait, signal, timeoutMs, onStatus }`.


use wasm_bindgen::JsValue;

use super::ops::Op;
use super::plan::{planned, planned_with, Lookup, Plan, Shape};
use super::args::{id_segment, members_of, CallArgs};
use super::wait::{wait_context, SNAPSHOT_READY, VM_LIVE, VM_SUSPENDED};
use crate::core::path::percent_encode;
use crate::core::record::{SNAPSHOT_ALIASES, VM_ALIASES};
use crate::core::retry::Method;
use crate::core::validate::present;
use crate::core::vm::{self, IDEMPOTENCY_METADATA_KEY};
use crate::core::error::ClientError;
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
fn waiting(method: Method, path: impl FnOnce(bool) -> Result<String, Failure>, shape: Shape, wait_arg: &CallArgs, target: super::wait::Target) -> Result<Plan, Failure> {
    waiting_default(method, path, shape, wait_arg, target, true, BODY_WAIT_KEYS)
}

/// The keys a `wait` options object takes besides the wait's own: `wait`,
/// and `extraBody` where the request has a body.
const BODY_WAIT_KEYS: &[&str] = &["wait", "extraBody"];
const WAIT_KEY: &[&str] = &["wait"];

fn waiting_default(
    method: Method,
    path: impl FnOnce(bool) -> Result<String, Failure>,
    shape: Shape,
    wait_arg: &CallArgs,
    target: super::wait::Target,
    default: bool,
    extra: &[&str],
) -> Result<Plan, Failure> {
    let wait = vm::wait_flag(&wait_arg.data, default)?;
    let ctx = wait_context(wait_arg, extra)?;
    let mut plan = Plan::new(method, path(wait)?, shape);
    plan.call.signal = ctx.signal.clone();
    if wait {
        plan.then_wait = Some((target, ctx));
    }
    Ok(plan)
}

/// The plan with its JSON body: the checked `body` plus the call's
/// `extraBody`, if any.
fn with_body(mut plan: Plan, body: Value, args: &CallArgs) -> Result<Op, Failure> {
    let body = args.with_extra_body(body)?;
    plan.call.body = Some(to_json_string(&body));
    Ok(Op::Request(plan))
}

/// The VMs, terminated ones too, looked through for one whose `field` is
/// `value`: what a lost answer made.
fn vm_lookup(field: &str, value: Value) -> Lookup {
    Lookup { path: "/v1/vms/".into(), aliases: &VM_ALIASES, id_field: "vm_id", wanted: vec![(field.to_string(), value)], noun: "VM", label: "vm_id" }
}

/// `POST /v1/vms?wait=`. The idempotency key is also recorded in the VM's
/// `metadata`: after a lost answer the VM is found by it instead of being
/// created a second time.
pub fn create(body: &JsValue, wait_arg: &CallArgs) -> Result<Op, Failure> {
    let key = random::idempotency_key();
    let body = vm::create_body(&from_js(body), &key)?;
    let mut plan = waiting(Method::Post, |w| Ok(format!("/v1/vms?wait={w}")), Shape::One(&VM_ALIASES), wait_arg, VM_LIVE)?;
    plan.call.idempotency_key = Some(key.clone());
    let plan = plan.looked_up(vm_lookup(&format!("metadata.{IDEMPOTENCY_METADATA_KEY}"), Value::String(key)));
    with_body(plan, body, wait_arg)
}

/// `GET /v1/vms` (running) or `GET /v1/vms/` (every record, terminated too).
pub fn list(all: bool, args: &CallArgs) -> Result<Op, Failure> {
    let path = if all { "/v1/vms/" } else { "/v1/vms" };
    Ok(Op::Request(planned(Method::Get, path.into(), Shape::Many(&VM_ALIASES), args)?))
}

pub fn get_one(vm_id: &JsValue, args: &CallArgs) -> Result<Op, Failure> {
    Ok(Op::Request(planned(Method::Get, vm_path(vm_id, "")?, Shape::One(&VM_ALIASES), args)?))
}

pub fn update(vm_id: &JsValue, patch: &JsValue, args: &CallArgs) -> Result<Op, Failure> {
    let path = vm_path(vm_id, "")?;
    // Read member by member: an undefined member is left out (as a JS spread
    // or JSON leaves it), where `from_js` of the whole would make it a null,
    // and a null `snapshot_name` clears the name.
    let body = vm::update_body(&members_of(patch, |_, v| from_js(v)))?;
    with_body(planned_with(Method::Patch, path, Shape::Ack, args, &["extraBody"])?, body, args)
}

pub fn delete(vm_id: &JsValue, args: &CallArgs) -> Result<Op, Failure> {
    Ok(Op::Request(planned(Method::Delete, vm_path(vm_id, "")?, Shape::Ack, args)?))
}

/// Snapshots a VM's state. The server is always asked not to wait: the
/// client polls the snapshot record instead, so the wait can be cancelled,
/// never meets a request timeout, and a failed capture rejects with
/// `SnapshotBuildFailedError` even while the VM stays healthy.
///
/// After a lost answer the snapshot is looked for among those made since the
/// call began: the one naming this VM as its source (`source_vm_id`), with
/// the name asked for.
pub fn snapshot(vm_id: &JsValue, body: &JsValue, wait_arg: &CallArgs) -> Result<Op, Failure> {
    let body = vm::named_body(&from_js(body), "name")?;
    let plan = waiting(Method::Post, |_| vm_path(vm_id, "/snapshot?wait=false"), Shape::One(&SNAPSHOT_ALIASES), wait_arg, SNAPSHOT_READY)?;
    let mut wanted = vec![("source_vm_id".to_string(), from_js(vm_id))];
    if let Some(name) = body.get("name").filter(|v| !matches!(v, Value::Null)) {
        wanted.push(("name".to_string(), name.clone()));
    }
    let lookup = Lookup { path: "/v1/snapshots".into(), aliases: &SNAPSHOT_ALIASES, id_field: "id", wanted, noun: "snapshot", label: "id" };
    with_body(plan.looked_up(lookup), body, wait_arg)
}

/// After a lost answer the clone is the VM made since the call began whose
/// `cloned_from` names this one.
pub fn clone(vm_id: &JsValue, body: &JsValue, wait_arg: &CallArgs) -> Result<Op, Failure> {
    let body = vm::named_body(&from_js(body), "snapshot_name")?;
    let plan = waiting(Method::Post, |w| vm_path(vm_id, &format!("/clone?wait={w}")), Shape::One(&VM_ALIASES), wait_arg, VM_LIVE)?;
    with_body(plan.looked_up(vm_lookup("cloned_from", from_js(vm_id))), body, wait_arg)
}

/// The API answers `suspending` at once; with `wait` (default false, the
/// API's own behaviour) the client polls until the VM is `suspended`.
pub fn suspend(vm_id: &JsValue, wait_arg: &CallArgs) -> Result<Op, Failure> {
    let plan = waiting_default(Method::Post, |_| vm_path(vm_id, "/suspend"), Shape::One(&VM_ALIASES), wait_arg, VM_SUSPENDED, false, WAIT_KEY)?;
    Ok(Op::Request(plan))
}

/// Resolves with the **new** VM the API mints on resume. After a lost
/// answer it is the VM whose `resumed_from` names this one.
pub fn resume(vm_id: &JsValue, wait_arg: &CallArgs) -> Result<Op, Failure> {
    let plan = waiting_default(Method::Post, |w| vm_path(vm_id, &format!("/resume?wait={w}")), Shape::One(&VM_ALIASES), wait_arg, VM_LIVE, true, WAIT_KEY)?;
    Ok(Op::Request(plan.looked_up(vm_lookup("resumed_from", from_js(vm_id)))))
}

/// `POST /v1/vms/{id}/stage-env`. The values are secrets: failures are
/// scrubbed of them and carry no body, and the answer is never handed back.
pub fn stage_env(vm_id: &JsValue, env: &JsValue, args: &CallArgs) -> Result<Op, Failure> {
    let path = vm_path(vm_id, "/stage-env")?;
    let env = from_js(env);
    let secrets: Vec<String> = match &env {
        Value::Object(m) => m.iter().filter_map(|(_, v)| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    let body = vm::stage_env_body(&env).map_err(|e| Failure::from(e).scrubbed(&secrets))?;
    let mut plan = planned(Method::Post, path, Shape::Hidden, args)?;
    plan.scrub = secrets;
    plan.call.body = Some(to_json_string(&body));
    Ok(Op::Request(plan))
}

/// After a lost answer the mount is the VM's volume with this `volume_id`
/// at this `mount_path`.
pub fn mount_volume(vm_id: &JsValue, volume: &JsValue, wait_arg: &CallArgs) -> Result<Op, Failure> {
    let body = vm::volume("", &from_js(volume))?;
    let wait = vm::wait_flag(&wait_arg.data, true)?;
    let plan = planned_with(Method::Post, vm_path(vm_id, &format!("/volumes?wait={wait}"))?, Shape::Ack, wait_arg, BODY_WAIT_KEYS)?;
    let wanted = ["volume_id", "mount_path"].iter().filter_map(|k| Some((k.to_string(), body.get(k)?.clone()))).collect();
    let lookup = Lookup { path: vm_path(vm_id, "/volumes")?, aliases: &[], id_field: "", wanted, noun: "mount", label: "mount_path" };
    with_body(plan.looked_up(lookup), body, wait_arg)
}

pub fn list_volumes(vm_id: &JsValue, args: &CallArgs) -> Result<Op, Failure> {
    Ok(Op::Request(planned(Method::Get, vm_path(vm_id, "/volumes")?, Shape::Many(&[]), args)?))
}

/// `DELETE /v1/vms/{id}/volumes/{volume_id}?mount_path=&wait=`; `options`
/// names the `mount_path` (required: a volume may be mounted at several
/// paths, and the official SDK always sends it) and may carry `wait`,
/// `signal`, `timeoutMs`.
pub fn unmount_volume(vm_id: &JsValue, volume_id: &JsValue, args: &CallArgs) -> Result<Op, Failure> {
    let volume = id_segment("volumeId", volume_id)?;
    let read = &args.data;
    let mut plan = planned_with(Method::Delete, String::new(), Shape::Ack, args, &["wait", "mount_path"])?;
    let Some(mount) = present(read.get("mount_path")) else {
        return Err(ClientError::invalid("mount_path", "is required: unmountVolume(vmId, volumeId, { mount_path: '/data' })").into());
    };
    let query = format!("?wait={}&mount_path={}", vm::wait_flag(read, true)?, percent_encode(&vm::mount_path_of("mount_path", mount)?));
    plan.call.path = vm_path(vm_id, &format!("/volumes/{volume}{query}"))?;
    Ok(Op::Request(plan))
}
