//! What is attached to a VM: volumes mounted at a path
//! (`/v1/vms/{id}/volumes`) and environment variables staged for it
//! (`/v1/vms/{id}/stage-env`, checked and never stored).

use serde_json::{json, Value};

use crate::lookup::{not_terminated, require, VmRef};
use crate::reply::Reply;
use crate::state::Shared;
use crate::validate::{self, json_body_or_empty, Problems};
use crate::wire::{json_response, ApiError, Request};

/// Checks the entries and stores nothing: a value is never echoed back.
pub(crate) fn stage_env(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let at = VmRef::of(request, params)?;
    let entries = validate::vms::stage_env(&json_body_or_empty(&request.body)?)?;
    at.with(shared, |vm| {
        not_terminated(vm, &at.id)?;
        Ok(Reply::Now(json_response(200, json!({ "status": "ok", "staged": entries.len() }))))
    })
}

pub(crate) fn mount_volume(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let at = VmRef::of(request, params)?;
    let body = json_body_or_empty(&request.body)?;
    // Mounting is at once here: `wait` changes nothing, but must be a boolean.
    let mut problems = Problems::default();
    problems.wait(request);
    validate::vms::volume(&mut problems, &body);
    problems.into_result()?;
    at.with(shared, |vm| {
        require(vm, &at.id, "active")?;
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
    })
}

pub(crate) fn list_volumes(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    VmRef::of(request, params)?.with(shared, |vm| Ok(Reply::Now(json_response(200, Value::Array(vm.volumes.clone())))))
}

/// Unmounts volume `{volume_id}` from `?mount_path=` (required: a volume
/// may be mounted at several paths).
pub(crate) fn unmount_volume(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let at = VmRef::of(request, params)?;
    let volume_id = params.get(1).cloned().unwrap_or_default();
    // Every problem of the query in one 422, in the order the parameters
    // are declared (`mount_path`, then `wait`), as the API's validation answers.
    let mut problems = Problems::default();
    let mount_path = request.query_param("mount_path");
    match mount_path.as_deref() {
        None => problems.query("mount_path", "Field required", "missing"),
        Some(m) if !m.starts_with('/') => problems.query("mount_path", "Input should be an absolute path", "value_error"),
        Some(_) => {}
    }
    problems.wait(request);
    problems.into_result()?;
    let mount_path = mount_path.unwrap_or_default();
    at.with(shared, |vm| {
        let before = vm.volumes.len();
        let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        vm.volumes.retain(|v| !(field(v, "volume_id").as_deref() == Some(volume_id.as_str()) && field(v, "mount_path").as_deref() == Some(mount_path.as_str())));
        if vm.volumes.len() == before {
            return Err(ApiError::new(404, format!("Volume '{}' is not mounted on VM '{}'", volume_id, at.id)));
        }
        Ok(Reply::Now(json_response(200, json!({ "status": "ok" }))))
    })
}
