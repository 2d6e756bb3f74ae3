//! The VM operations: lifecycle, snapshots of running VMs, env staging and
//! volumes. Methods that accept `wait` take the documented positional boolean
//! or an options object `{ wait, signal, timeoutMs, onStatus }`.

use wasm_bindgen::JsValue;

use super::records;
use super::snapshots::{call_context, id_segment, shallow, CallContext};
use super::transport::{Call, Transport};
use super::wait::{self, wait_context, WaitContext, SNAPSHOT_READY, VM_LIVE};
use crate::core::error::ClientError;
use crate::core::path::percent_encode;
use crate::core::record::{SNAPSHOT_ALIASES, VM_ALIASES};
use crate::core::retry::{self, Method};
use crate::core::vm::{self, vm_phase, VmPhase, IDEMPOTENCY_METADATA_KEY};
use crate::core::{ErrorKind, Value};
use crate::platform::convert::{from_js, get, to_json_string};
use crate::platform::errors::Failure;
use crate::platform::{random, timer};

/// A `wait` argument read in full: the flag and, when it was an object, the
/// options of the wait and of the request.
struct WaitArg {
    wait: bool,
    ctx: WaitContext,
    call: CallContext,
}

fn wait_arg(arg: &JsValue) -> Result<WaitArg, Failure> {
    let wait = vm::wait_flag(&shallow(arg), true)?;
    let options = if arg.is_object() { arg.clone() } else { JsValue::NULL };
    let ctx = wait_context(&options)?;
    // The request itself runs on the client's timeout; timeoutMs bounds the wait.
    Ok(WaitArg { wait, call: CallContext { signal: ctx.signal.clone(), timeout_ms: None }, ctx })
}

fn vm_path(vm_id: &JsValue, rest: &str) -> Result<String, Failure> {
    Ok(format!("/v1/vms/{}{rest}", id_segment("vmId", vm_id)?))
}

fn with_body<'a>(mut call: Call<'a>, body: &Value) -> Call<'a> {
    call.body = Some(to_json_string(body));
    call
}

/// When the server's answer is not live yet although the caller waits, poll
/// the VM until it is.
async fn live(t: &Transport, record: JsValue, arg: &WaitArg) -> Result<JsValue, Failure> {
    let status = get(&record, "status").as_string().unwrap_or_default();
    if !arg.wait || vm_phase(&status) == VmPhase::Live {
        return Ok(record);
    }
    let id = get(&record, "vm_id").as_string().unwrap_or_default();
    wait::until(t, VM_LIVE, &id, &arg.ctx, record).await
}

/// `POST /v1/vms`. A create that ends in a dropped connection, a timeout or a
/// 500/502/504 may have created the VM anyway (the API documents 504s for
/// long creates). Instead of repeating it blindly, the client looks the VM up
/// by the idempotency key it stored in `metadata`, and repeats the create
/// (with the same key) only when no VM carries it.
pub async fn create(t: &Transport, body: JsValue, wait_arg_js: JsValue) -> Result<JsValue, Failure> {
    let key = random::idempotency_key();
    let body = vm::create_body(&from_js(&body), &key)?;
    let arg = wait_arg(&wait_arg_js)?;
    let signal = arg.call.signal.as_ref();
    let mut call = with_body(t.call(Method::Post, format!("/v1/vms?wait={}", arg.wait), signal, None), &body);
    call.idempotency_key = Some(key.clone());
    let mut attempt = 0;
    let record = loop {
        match t.send(call.clone()).await {
            Ok(reply) => break records::one(reply, &VM_ALIASES)?,
            Err(f) if is_ambiguous(&f) => {
                if let Some(found) = find_by_idempotency_key(t, &key, signal).await? {
                    break found;
                }
                if attempt >= t.config.max_retries {
                    return Err(f);
                }
                timer::sleep(retry::backoff_ms(attempt, random::unit()), signal).await.map_err(Failure::Raw)?;
                attempt += 1;
            }
            Err(f) => return Err(f),
        }
    };
    live(t, record, &arg).await
}

/// Failures after which a create may or may not have happened.
fn is_ambiguous(f: &Failure) -> bool {
    match f {
        Failure::Client(d) => match d.error.kind {
            ErrorKind::Network | ErrorKind::Timeout => true,
            ErrorKind::Server => matches!(d.error.status, Some(500 | 502 | 504)),
            _ => false,
        },
        Failure::Raw(_) => false,
    }
}

async fn find_by_idempotency_key(t: &Transport, key: &str, signal: Option<&crate::platform::bindings::AbortSignal>) -> Result<Option<JsValue>, Failure> {
    let all = records::many(t.send(t.call(Method::Get, "/v1/vms/".into(), signal, None)).await?, &VM_ALIASES)?;
    let found = js_sys::Array::from(&all).iter().find(|vm| get(&get(vm, "metadata"), IDEMPOTENCY_METADATA_KEY).as_string().as_deref() == Some(key));
    Ok(found)
}

/// `GET /v1/vms` (running) or `GET /v1/vms/` (every record, terminated too).
pub async fn list(t: &Transport, all: bool, options: JsValue) -> Result<JsValue, Failure> {
    let ctx = call_context(&options)?;
    let path = if all { "/v1/vms/" } else { "/v1/vms" };
    records::many(t.send(t.call(Method::Get, path.into(), ctx.signal.as_ref(), ctx.timeout_ms)).await?, &VM_ALIASES)
}

pub async fn get_one(t: &Transport, vm_id: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let path = vm_path(&vm_id, "")?;
    let ctx = call_context(&options)?;
    records::one(t.send(t.call(Method::Get, path, ctx.signal.as_ref(), ctx.timeout_ms)).await?, &VM_ALIASES)
}

pub async fn update(t: &Transport, vm_id: JsValue, patch: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let path = vm_path(&vm_id, "")?;
    let body = vm::update_body(&from_js(&patch))?;
    let ctx = call_context(&options)?;
    let reply = t.send(with_body(t.call(Method::Patch, path, ctx.signal.as_ref(), ctx.timeout_ms), &body)).await?;
    Ok(records::deleted(reply))
}

pub async fn delete(t: &Transport, vm_id: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let path = vm_path(&vm_id, "")?;
    let ctx = call_context(&options)?;
    Ok(records::deleted(t.send(t.call(Method::Delete, path, ctx.signal.as_ref(), ctx.timeout_ms)).await?))
}

/// Snapshots a VM's state. The server is always asked not to wait (the client
/// polls instead, so the wait can be cancelled and never runs into a request
/// timeout); with `wait`, resolves once the snapshot record is `ready`, and a
/// failed snapshot rejects with `SnapshotBuildFailedError` even while the VM
/// itself stays healthy.
pub async fn snapshot(t: &Transport, vm_id: JsValue, body: JsValue, wait_arg_js: JsValue) -> Result<JsValue, Failure> {
    let path = vm_path(&vm_id, "/snapshot?wait=false")?;
    let body = vm::named_body(&from_js(&body), "name")?;
    let arg = wait_arg(&wait_arg_js)?;
    let call = with_body(t.call(Method::Post, path, arg.call.signal.as_ref(), None), &body);
    let record = records::one(t.send(call).await?, &SNAPSHOT_ALIASES)?;
    if !arg.wait {
        return Ok(record);
    }
    let id = get(&record, "id").as_string().ok_or_else(|| Failure::from(ClientError::new(ErrorKind::Api, "The snapshot answer had no id")))?;
    wait::until(t, SNAPSHOT_READY, &id, &arg.ctx, record).await
}

/// `POST /v1/vms/{id}/clone`: a new VM, live when waited for.
pub async fn clone(t: &Transport, vm_id: JsValue, body: JsValue, wait_arg_js: JsValue) -> Result<JsValue, Failure> {
    let body = vm::named_body(&from_js(&body), "snapshot_name")?;
    let arg = wait_arg(&wait_arg_js)?;
    let path = vm_path(&vm_id, &format!("/clone?wait={}", arg.wait))?;
    let record = records::one(t.send(with_body(t.call(Method::Post, path, arg.call.signal.as_ref(), None), &body)).await?, &VM_ALIASES)?;
    live(t, record, &arg).await
}

pub async fn suspend(t: &Transport, vm_id: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let path = vm_path(&vm_id, "/suspend")?;
    let ctx = call_context(&options)?;
    records::one(t.send(t.call(Method::Post, path, ctx.signal.as_ref(), ctx.timeout_ms)).await?, &VM_ALIASES)
}

/// `POST /v1/vms/{id}/resume`: resolves with the **new** VM the API mints.
pub async fn resume(t: &Transport, vm_id: JsValue, wait_arg_js: JsValue) -> Result<JsValue, Failure> {
    let arg = wait_arg(&wait_arg_js)?;
    let path = vm_path(&vm_id, &format!("/resume?wait={}", arg.wait))?;
    let record = records::one(t.send(t.call(Method::Post, path, arg.call.signal.as_ref(), None)).await?, &VM_ALIASES)?;
    live(t, record, &arg).await
}

/// `POST /v1/vms/{id}/stage-env`. The values are secrets: a failure's message
/// is scrubbed of them and carries no body.
pub async fn stage_env(t: &Transport, vm_id: JsValue, env: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let path = vm_path(&vm_id, "/stage-env")?;
    let env = from_js(&env);
    let secrets: Vec<String> = match &env {
        Value::Object(m) => m.iter().filter_map(|(_, v)| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    let body = vm::stage_env_body(&env).map_err(|e| Failure::from(e).scrubbed(&secrets))?;
    let ctx = call_context(&options)?;
    let reply = t.send(with_body(t.call(Method::Post, path, ctx.signal.as_ref(), ctx.timeout_ms), &body)).await.map_err(|f| f.scrubbed(&secrets))?;
    // Whatever the server answered, no value is handed back.
    let _ = reply;
    Ok(crate::platform::convert::object(&[("success", JsValue::TRUE)]))
}

pub async fn mount_volume(t: &Transport, vm_id: JsValue, volume: JsValue, wait_arg_js: JsValue) -> Result<JsValue, Failure> {
    let body = vm::volume("", &from_js(&volume))?;
    let arg = wait_arg(&wait_arg_js)?;
    let path = vm_path(&vm_id, &format!("/volumes?wait={}", arg.wait))?;
    let reply = t.send(with_body(t.call(Method::Post, path, arg.call.signal.as_ref(), None), &body)).await?;
    Ok(records::deleted(reply))
}

pub async fn list_volumes(t: &Transport, vm_id: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let path = vm_path(&vm_id, "/volumes")?;
    let ctx = call_context(&options)?;
    records::many(t.send(t.call(Method::Get, path, ctx.signal.as_ref(), ctx.timeout_ms)).await?, &[])
}

/// `DELETE /v1/vms/{id}/volumes/{volume_id}?mount_path=&wait=`; `options`
/// may name the `mount_path` and carry `wait`, `signal`, `timeoutMs`.
pub async fn unmount_volume(t: &Transport, vm_id: JsValue, volume_id: JsValue, options: JsValue) -> Result<JsValue, Failure> {
    let volume = id_segment("volumeId", &volume_id)?;
    let arg = wait_arg(&options)?;
    let mut query = format!("?wait={}", arg.wait);
    if let Some(mount) = crate::core::validate::present(shallow(&options).get("mount_path")) {
        query.push_str(&format!("&mount_path={}", percent_encode(&vm::query_string("mount_path", mount)?)));
    }
    let path = vm_path(&vm_id, &format!("/volumes/{volume}{query}"))?;
    Ok(records::deleted(t.send(t.call(Method::Delete, path, arg.call.signal.as_ref(), None)).await?))
}
