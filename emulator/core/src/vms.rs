//! `/v1/vms`: the VM lifecycle. `creating` -> `active`; `suspending` ->
//! `suspended`; resume mints a new VM; delete leaves a `terminated` record
//! that only the all-records list (`GET /v1/vms/`) shows. What is attached to
//! a running VM (volumes, staged environment) is in `attach`.

use serde_json::{json, Map, Value};

use crate::lookup::{not_terminated, require, vm_in, VmRef};
use crate::reply::{Reply, Step};
use crate::snapshots::{new_snapshot, record_id, view as snapshot_view};
use crate::state::{Shared, Snapshot, Tenant, Vm};
use crate::time::iso_from_epoch_ms;
use crate::validate::snapshots::CreateSnapshot;
use crate::validate::{self, json_body_or_empty, object, Problems};
use crate::wire::{api_key, json_response, ApiError, Request, Response};

fn ok() -> Reply {
    Reply::Now(json_response(200, json!({ "status": "ok" })))
}

fn record(vm: &Vm, status: u16) -> Response {
    json_response(status, Value::Object(vm.record.clone()))
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
    let vm = VmRef { key: key.to_string(), id: id.to_string() };
    Reply::Now(vm.with(shared, |vm| Ok(record(vm, status))).unwrap_or_else(ApiError::into_response))
}

pub(crate) fn create(shared: &Shared, request: &Request, _: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let body = json_body_or_empty(&request.body)?;
    let mut problems = Problems::default();
    let waited = problems.wait(request);
    let mut fields = problems.object(&body);
    validate::vms::create(&mut problems, &mut fields);
    problems.into_result()?;
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
    VmRef::of(request, params)?.with(shared, |vm| Ok(Reply::Now(record(vm, 200))))
}

/// Changes the fields the API lets a live VM change; others are ignored.
pub(crate) fn update(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let at = VmRef::of(request, params)?;
    let body = json_body_or_empty(&request.body)?;
    let mut fields = object(&body)?.clone();
    validate::vms::update(&mut fields)?;
    let fields = &fields;
    at.with(shared, |vm| {
        not_terminated(vm, &at.id)?;
        for (k, v) in fields {
            if matches!(k.as_str(), "memory_mb" | "snapshot_on_terminate" | "snapshot_name" | "vault_ids" | "auto_suspend" | "auto_resume") {
                vm.record.insert(k.clone(), v.clone());
            }
        }
        Ok(ok())
    })
}

pub(crate) fn delete(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let at = VmRef::of(request, params)?;
    let now = shared.now_iso();
    at.with(shared, |vm| {
        vm.next = None;
        vm.record.insert("status".into(), json!("terminated"));
        vm.record.entry("terminated_at").or_insert_with(|| json!(now));
        Ok(ok())
    })
}

/// Snapshots a live VM into the snapshots API, where it builds like any other
/// snapshot. A name ending in `.fail` makes the capture fail (for tests).
pub(crate) fn snapshot(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let at = VmRef::of(request, params)?;
    let body = json_body_or_empty(&request.body)?;
    // Checked before anything is made: a refusal must leave nothing behind.
    let mut problems = Problems::default();
    let waited = problems.wait(request);
    let fields = problems.object(&body);
    let name = validate::vms::named(&mut problems, &fields, "name");
    problems.into_result()?;
    let answer = at.with_tenant(shared, |tenant| {
        let snapshot = capture(shared, tenant, &at.id, name, false)?;
        let answer = snapshot_view(shared, &snapshot);
        tenant.snapshots.insert(record_id(&snapshot.record, "id"), snapshot);
        Ok(answer)
    })?;
    if waited {
        let snap_id = answer.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        return Ok(Reply::Later { ms: shared.settings.build_ms, step: Step::Snapshot { key: at.key, id: snap_id, fallback: answer } });
    }
    Ok(Reply::Now(json_response(201, answer)))
}

/// A snapshot of VM `id` (which must be live); `built` makes one already ready.
fn capture(shared: &Shared, tenant: &mut Tenant, id: &str, name: Option<String>, built: bool) -> Result<Snapshot, ApiError> {
    let vm = vm_in(tenant, id, shared.now_ms())?;
    require(vm, id, "active")?;
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

/// A new live VM from a fresh, already built snapshot of this one.
pub(crate) fn clone(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let at = VmRef::of(request, params)?;
    let body = json_body_or_empty(&request.body)?;
    let mut problems = Problems::default();
    let waited = problems.wait(request);
    let fields = problems.object(&body);
    let name = validate::vms::named(&mut problems, &fields, "snapshot_name");
    problems.into_result()?;
    let new_id = at.with_tenant(shared, |tenant| {
        let snapshot = capture(shared, tenant, &at.id, name, true)?;
        let snap_id = record_id(&snapshot.record, "id");
        tenant.snapshots.insert(snap_id.clone(), snapshot);
        let mut fields = vm_in(tenant, &at.id, shared.now_ms())?.record.clone();
        for k in ["vm_id", "id", "session_id", "status", "created_at", "expires_at", "ssh_host", "terminated_at", "resumed_from", "resumed_as", "cloned_from"] {
            fields.remove(k);
        }
        fields.insert("snapshot_id".into(), json!(snap_id));
        fields.insert("cloned_from".into(), json!(at.id));
        let vm = new_vm(shared, fields, waited, "creating");
        let new_id = record_id(&vm.record, "vm_id");
        tenant.vms.insert(new_id.clone(), vm);
        Ok(new_id)
    })?;
    Ok(vm_reply(shared, at.key, new_id, 201, waited))
}

pub(crate) fn suspend(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let at = VmRef::of(request, params)?;
    let now_ms = shared.now_ms();
    at.with_tenant(shared, |tenant| {
        let vm = vm_in(tenant, &at.id, now_ms)?;
        require(vm, &at.id, "active")?;
        vm.record.insert("status".into(), json!("suspending"));
        vm.next = Some((now_ms + shared.settings.boot_ms as f64, "suspended"));
        Ok(Reply::Now(json_response(200, json!({ "vm_id": at.id, "id": at.id, "status": "suspending" }))))
    })
}

/// Resuming mints a new VM id; the suspended record ends `terminated`,
/// naming its successor.
pub(crate) fn resume(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let at = VmRef::of(request, params)?;
    let mut problems = Problems::default();
    let waited = problems.wait(request);
    problems.into_result()?;
    let new_id = at.with_tenant(shared, |tenant| {
        let old = vm_in(tenant, &at.id, shared.now_ms())?;
        require(old, &at.id, "suspended")?;
        let mut fields = old.record.clone();
        for k in ["vm_id", "id", "status", "created_at", "expires_at", "ssh_host", "resumed_as"] {
            fields.remove(k);
        }
        fields.insert("resumed_from".into(), json!(at.id));
        let vm = new_vm(shared, fields, waited, "resuming");
        let new_id = record_id(&vm.record, "vm_id");
        old.record.insert("status".into(), json!("terminated"));
        old.record.insert("resumed_as".into(), json!(new_id));
        tenant.vms.insert(new_id.clone(), vm);
        Ok(new_id)
    })?;
    Ok(vm_reply(shared, at.key, new_id, 200, waited))
}
