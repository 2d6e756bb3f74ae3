//! `/v1/vms`: the VM lifecycle. `creating` -> `active`; `suspending` ->
//! `suspended`; resume mints a new VM; delete leaves a `terminated` record
//! that only the all-records list (`GET /v1/vms/`) shows.

use serde_json::{json, Map, Value};

use crate::snapshots::{new_snapshot, record_id, view as snapshot_view};
use crate::state::{Shared, Tenant, Vm};
use crate::time::iso_from_epoch_ms;
use crate::validate::snapshots::CreateSnapshot;
use crate::validate::{self, json_body_or_empty, object};
use crate::wire::{api_key, json_response, ApiError, Request};
use crate::{Reply, Step};

fn wants_wait(request: &Request) -> bool {
    request.query_param("wait").is_some_and(|w| w == "true")
}

/// The `{id}` of the route.
fn param(params: &[String], i: usize) -> String {
    params.get(i).cloned().unwrap_or_default()
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(404, format!("VM '{id}' not found"))
}

fn conflict(id: &str, status: &str, wanted: &str) -> ApiError {
    ApiError::new(409, format!("VM '{id}' is {status}; this needs it {wanted}"))
}

/// A new VM record; live at once when the caller waited, else after booting.
fn new_vm(shared: &Shared, fields: Map<String, Value>, waited: bool, starting: &'static str) -> Vm {
    let (id, seq) = shared.new_id("vm");
    let (session, _) = shared.new_id("sess");
    let mut record = fields;
    let lifetime = record.get("vm_lifetime_seconds").and_then(Value::as_i64).unwrap_or(3600);
    let now_ms = shared.clock.epoch_ms();
    record.insert("vm_id".into(), json!(id));
    record.insert("id".into(), json!(id));
    record.entry("session_id").or_insert_with(|| json!(session));
    record.entry("vcpu_count").or_insert(json!(2));
    record.entry("memory_mb").or_insert(json!(512));
    record.entry("snapshot_id").or_insert(Value::Null);
    record.insert("ssh_host".into(), json!(format!("{id}.ssh.emulator.invalid")));
    record.insert("created_at".into(), json!(shared.now_iso()));
    record.insert("expires_at".into(), json!(iso_from_epoch_ms(now_ms + lifetime * 1000)));
    let boot = shared.now_ms() + shared.settings.boot_ms as f64;
    let (status, next) = if waited { ("active", None) } else { (starting, Some((boot, "active"))) };
    record.insert("status".into(), json!(status));
    Vm { seq, record, next, volumes: Vec::new() }
}

/// The answer about VM `id`: at once, or, for a call that waited, once the
/// VM would have booted.
fn vm_reply(shared: &Shared, key: String, id: String, status: u16, waited: bool) -> Reply {
    if waited {
        return Reply::Later { ms: shared.settings.boot_ms, step: Step::Vm { key, id, status } };
    }
    answer(shared, &key, &id, status)
}

/// The VM's record as it is now.
pub(crate) fn answer(shared: &Shared, key: &str, id: &str, status: u16) -> Reply {
    let mut tenants = shared.tenants();
    match vm_mut(tenants.get_mut(key), id) {
        Ok(vm) => {
            vm.settle(shared.now_ms());
            Reply::Now(json_response(status, Value::Object(vm.record.clone())))
        }
        Err(e) => Reply::Now(e.into_response()),
    }
}

/// A VM that may still be changed: known, and not terminated.
fn not_terminated<'a>(tenant: Option<&'a mut Tenant>, id: &str, now_ms: f64) -> Result<&'a mut Vm, ApiError> {
    let vm = vm_mut(tenant, id)?;
    let status = vm.settle(now_ms);
    if status == "terminated" {
        return Err(conflict(id, &status, "not terminated"));
    }
    Ok(vm)
}

fn vm_mut<'a>(tenant: Option<&'a mut Tenant>, id: &str) -> Result<&'a mut Vm, ApiError> {
    tenant.and_then(|t| t.vms.get_mut(id)).ok_or_else(|| not_found(id))
}

pub(crate) fn create(shared: &Shared, request: &Request, _: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let body = json_body_or_empty(&request.body)?;
    let fields = object(&body)?.clone();
    validate::vms::create(&fields)?;
    let waited = wants_wait(request);
    let id = {
        let mut tenants = shared.tenants();
        let tenant = tenants.entry(key.clone()).or_default();
        if let Some(snap_id) = fields.get("snapshot_id").and_then(Value::as_str) {
            let snap = tenant.snapshots.get(snap_id).ok_or_else(|| ApiError::new(404, format!("Snapshot '{snap_id}' not found")))?;
            let status = snapshot_view(shared, snap).get("status").and_then(Value::as_str).unwrap_or("").to_string();
            if status != "ready" {
                return Err(ApiError::new(409, format!("Snapshot '{snap_id}' is {status}; a VM can boot only from a ready snapshot")));
            }
        }
        let vm = new_vm(shared, fields, waited, "creating");
        let id = record_id(&vm.record, "vm_id");
        tenant.vms.insert(id.clone(), vm);
        id
    };
    Ok(vm_reply(shared, key, id, 201, waited))
}

fn list(shared: &Shared, key: &str, all: bool) -> Value {
    let now_ms = shared.now_ms();
    let mut tenants = shared.tenants();
    let Some(tenant) = tenants.get_mut(key) else { return json!([]) };
    let mut vms: Vec<&mut Vm> = tenant.vms.values_mut().collect();
    vms.sort_by_key(|v| v.seq);
    let records = vms
        .into_iter()
        .filter_map(|vm| {
            let status = vm.settle(now_ms);
            (all || !matches!(status.as_str(), "terminated" | "suspended")).then(|| Value::Object(vm.record.clone()))
        })
        .collect();
    Value::Array(records)
}

pub(crate) fn list_running(shared: &Shared, request: &Request, _: &[String]) -> Result<Reply, ApiError> {
    Ok(Reply::Now(json_response(200, list(shared, &api_key(request)?, false))))
}

pub(crate) fn list_all(shared: &Shared, request: &Request, _: &[String]) -> Result<Reply, ApiError> {
    Ok(Reply::Now(json_response(200, list(shared, &api_key(request)?, true))))
}

pub(crate) fn get(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = param(params, 0);
    let mut tenants = shared.tenants();
    let vm = vm_mut(tenants.get_mut(&key), &id)?;
    vm.settle(shared.now_ms());
    Ok(Reply::Now(json_response(200, Value::Object(vm.record.clone()))))
}

pub(crate) fn update(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = param(params, 0);
    let body = json_body_or_empty(&request.body)?;
    let fields = object(&body)?;
    validate::vms::update(fields)?;
    let mut tenants = shared.tenants();
    let vm = not_terminated(tenants.get_mut(&key), &id, shared.now_ms())?;
    for (k, v) in fields {
        if matches!(k.as_str(), "memory_mb" | "snapshot_on_terminate" | "snapshot_name" | "vault_ids" | "auto_suspend" | "auto_resume") {
            vm.record.insert(k.clone(), v.clone());
        }
    }
    Ok(Reply::Now(json_response(200, json!({ "status": "ok" }))))
}

pub(crate) fn delete(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = param(params, 0);
    let now = shared.now_iso();
    let mut tenants = shared.tenants();
    let vm = vm_mut(tenants.get_mut(&key), &id)?;
    vm.next = None;
    vm.record.insert("status".into(), json!("terminated"));
    vm.record.entry("terminated_at").or_insert_with(|| json!(now));
    Ok(Reply::Now(json_response(200, json!({ "status": "ok" }))))
}

/// Snapshots a live VM into the snapshots API, where it builds like any other
/// snapshot. A name ending in `.fail` makes the capture fail (for tests).
pub(crate) fn snapshot(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = param(params, 0);
    let body = json_body_or_empty(&request.body)?;
    let name = object(&body)?.get("name").and_then(Value::as_str).map(str::to_string);
    let answer = {
        let mut tenants = shared.tenants();
        let tenant = tenants.get_mut(&key).ok_or_else(|| not_found(&id))?;
        let snapshot = capture(shared, tenant, &id, name, false)?;
        let answer = snapshot_view(shared, &snapshot);
        tenant.snapshots.insert(answer.get("id").and_then(Value::as_str).unwrap_or_default().to_string(), snapshot);
        answer
    };
    if wants_wait(request) {
        let snap_id = answer.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        return Ok(Reply::Later { ms: shared.settings.build_ms, step: Step::Snapshot { key, id: snap_id, fallback: answer } });
    }
    Ok(Reply::Now(json_response(201, answer)))
}

/// A snapshot of VM `id` (which must be live); `built` makes one already ready.
fn capture(shared: &Shared, tenant: &mut Tenant, id: &str, name: Option<String>, built: bool) -> Result<crate::state::Snapshot, ApiError> {
    let vm = vm_mut(Some(tenant), id)?;
    let status = vm.settle(shared.now_ms());
    if status != "active" {
        return Err(conflict(id, &status, "active"));
    }
    let failure = name.as_deref().filter(|n| n.ends_with(".fail")).map(|_| format!("capturing the state of VM '{id}' failed: disk snapshot error"));
    let req = CreateSnapshot {
        oci_image: format!("instavm/vm-state:{id}"),
        name: name.or_else(|| Some(format!("{id}-snapshot"))),
        vcpu_count: vm.record.get("vcpu_count").and_then(Value::as_i64).unwrap_or(2),
        memory_mb: vm.record.get("memory_mb").and_then(Value::as_i64).unwrap_or(512),
        snapshot_type: "user".into(),
        build_args: None,
    };
    let created = if built { shared.now_ms() - (shared.settings.build_ms + 1) as f64 } else { shared.now_ms() };
    let mut snapshot = new_snapshot(shared, &req, failure, created);
    snapshot.record.insert("source_vm_id".into(), json!(id));
    Ok(snapshot)
}

pub(crate) fn clone(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = param(params, 0);
    let body = json_body_or_empty(&request.body)?;
    let name = object(&body)?.get("snapshot_name").and_then(Value::as_str).map(str::to_string);
    let waited = wants_wait(request);
    let new_id = {
        let mut tenants = shared.tenants();
        let tenant = tenants.get_mut(&key).ok_or_else(|| not_found(&id))?;
        let snapshot = capture(shared, tenant, &id, name, true)?;
        let snap_id = record_id(&snapshot.record, "id");
        tenant.snapshots.insert(snap_id.clone(), snapshot);
        let mut fields = vm_mut(Some(tenant), &id)?.record.clone();
        for k in ["vm_id", "id", "session_id", "status", "created_at", "expires_at", "ssh_host", "terminated_at", "resumed_from", "resumed_as", "cloned_from"] {
            fields.remove(k);
        }
        fields.insert("snapshot_id".into(), json!(snap_id));
        fields.insert("cloned_from".into(), json!(id));
        let vm = new_vm(shared, fields, waited, "creating");
        let new_id = record_id(&vm.record, "vm_id");
        tenant.vms.insert(new_id.clone(), vm);
        new_id
    };
    Ok(vm_reply(shared, key, new_id, 201, waited))
}

pub(crate) fn suspend(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = param(params, 0);
    let now_ms = shared.now_ms();
    let mut tenants = shared.tenants();
    let vm = vm_mut(tenants.get_mut(&key), &id)?;
    let status = vm.settle(now_ms);
    if status != "active" {
        return Err(conflict(&id, &status, "active"));
    }
    vm.record.insert("status".into(), json!("suspending"));
    vm.next = Some((now_ms + shared.settings.boot_ms as f64, "suspended"));
    Ok(Reply::Now(json_response(200, json!({ "vm_id": id, "id": id, "status": "suspending" }))))
}

/// Resuming mints a new VM id; the suspended record ends `terminated`,
/// naming its successor.
pub(crate) fn resume(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = param(params, 0);
    let waited = wants_wait(request);
    let new_id = {
        let mut tenants = shared.tenants();
        let tenant = tenants.get_mut(&key).ok_or_else(|| not_found(&id))?;
        let old = vm_mut(Some(&mut *tenant), &id)?;
        let status = old.settle(shared.now_ms());
        if status != "suspended" {
            return Err(conflict(&id, &status, "suspended"));
        }
        let mut fields = old.record.clone();
        for k in ["vm_id", "id", "status", "created_at", "expires_at", "ssh_host", "resumed_as"] {
            fields.remove(k);
        }
        fields.insert("resumed_from".into(), json!(id));
        let vm = new_vm(shared, fields, waited, "resuming");
        let new_id = record_id(&vm.record, "vm_id");
        let old = vm_mut(Some(&mut *tenant), &id)?;
        old.record.insert("status".into(), json!("terminated"));
        old.record.insert("resumed_as".into(), json!(new_id));
        tenant.vms.insert(new_id.clone(), vm);
        new_id
    };
    Ok(vm_reply(shared, key, new_id, 200, waited))
}

/// Checks the entries and stores nothing: a value is never echoed back.
pub(crate) fn stage_env(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = param(params, 0);
    let entries = validate::vms::stage_env(&json_body_or_empty(&request.body)?)?;
    let mut tenants = shared.tenants();
    not_terminated(tenants.get_mut(&key), &id, shared.now_ms())?;
    Ok(Reply::Now(json_response(200, json!({ "status": "ok", "staged": entries.len() }))))
}

pub(crate) fn mount_volume(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = param(params, 0);
    let body = json_body_or_empty(&request.body)?;
    validate::vms::volume(&body)?;
    let mut tenants = shared.tenants();
    let vm = vm_mut(tenants.get_mut(&key), &id)?;
    let status = vm.settle(shared.now_ms());
    if status != "active" {
        return Err(conflict(&id, &status, "active"));
    }
    let mount_path = body.get("mount_path").cloned().unwrap_or(Value::Null);
    if vm.volumes.iter().any(|v| v.get("mount_path") == Some(&mount_path)) {
        return Err(ApiError::new(409, format!("Something is already mounted at {mount_path}")));
    }
    let mut mounted = json!({
        "volume_id": body.get("volume_id"),
        "mount_path": mount_path,
        "mode": body.get("mode").cloned().filter(|m| !m.is_null()).unwrap_or(json!("rw")),
        "status": "mounted",
    });
    if let Some(c) = body.get("checkpoint_id").filter(|c| !c.is_null()) {
        if let Some(fields) = mounted.as_object_mut() {
            fields.insert("checkpoint_id".into(), c.clone());
        }
    }
    vm.volumes.push(mounted.clone());
    Ok(Reply::Now(json_response(201, mounted)))
}

pub(crate) fn list_volumes(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = param(params, 0);
    let mut tenants = shared.tenants();
    let vm = vm_mut(tenants.get_mut(&key), &id)?;
    Ok(Reply::Now(json_response(200, Value::Array(vm.volumes.clone()))))
}

pub(crate) fn unmount_volume(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let (id, volume_id) = (param(params, 0), param(params, 1));
    let mut tenants = shared.tenants();
    let vm = vm_mut(tenants.get_mut(&key), &id)?;
    let before = vm.volumes.len();
    let mount_path = request.query_param("mount_path");
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    vm.volumes.retain(|v| !(field(v, "volume_id").as_deref() == Some(volume_id.as_str()) && mount_path.as_deref().is_none_or(|m| field(v, "mount_path").as_deref() == Some(m))));
    if vm.volumes.len() == before {
        return Err(ApiError::new(404, format!("Volume '{volume_id}' is not mounted on VM '{id}'")));
    }
    Ok(Reply::Now(json_response(200, json!({ "status": "ok" }))))
}
