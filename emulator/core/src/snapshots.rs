//! `/v1/snapshots`: build from an OCI image, list, get, delete; how a build
//! goes (its status over time, whether it fails, the image's size).

use serde_json::{json, Map, Value};

use crate::oci;
use crate::reply::Reply;
use crate::state::{Shared, Snapshot};
use crate::validate::snapshots::CreateSnapshot;
use crate::validate::{self, json_body};
use crate::wire::{api_key, json_response, ApiError, Request};

/// The share of a build spent `pending` before it turns `building`.
const PENDING_SHARE: f64 = 0.25;

pub(crate) fn list(shared: &Shared, request: &Request, _: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let wanted = request.query_param("type");
    let wanted = wanted.as_deref();
    if let Some(t) = wanted {
        if t != "user" && t != "system" {
            return Err(ApiError::unprocessable(vec![json!({
                "loc": ["query", "type"], "msg": "Input should be 'user' or 'system'", "type": "enum"
            })]));
        }
    }
    let tenants = shared.tenants();
    let mut found: Vec<&Snapshot> = tenants
        .get(&key)
        .map(|t| t.snapshots.values().filter(|s| wanted.is_none_or(|w| s.record.get("type").and_then(Value::as_str) == Some(w))).collect())
        .unwrap_or_default();
    found.sort_by_key(|s| s.seq);
    let records: Vec<Value> = found.into_iter().map(|s| view(shared, s)).collect();
    Ok(Reply::Now(json_response(200, Value::Array(records))))
}

pub(crate) fn create(shared: &Shared, request: &Request, _: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let body = json_body(&request.body)?;
    let req = validate::snapshots::create(&body).map_err(ApiError::unprocessable)?;
    let mut tenants = shared.tenants();
    let tenant = tenants.entry(key).or_default();
    let snapshot = new_snapshot(shared, &req, planned_failure(&req), shared.now_ms());
    let response = view(shared, &snapshot);
    tenant.snapshots.insert(record_id(&snapshot.record, "id"), snapshot);
    Ok(Reply::Now(json_response(201, response)))
}

/// A snapshot record as the build starts (`created`, on the host's clock,
/// may lie in the past, to make one that is already built).
pub(crate) fn new_snapshot(shared: &Shared, req: &CreateSnapshot, failure: Option<String>, created: f64) -> Snapshot {
    let (id, seq) = shared.new_id("snap");
    let mut record = Map::new();
    record.insert("id".into(), json!(id));
    record.insert("snapshot_id".into(), json!(id));
    record.insert("name".into(), json!(req.name));
    record.insert("type".into(), json!(req.snapshot_type));
    record.insert("snapshot_type".into(), json!(req.snapshot_type));
    record.insert("oci_image".into(), json!(req.oci_image));
    record.insert("vcpu_count".into(), json!(req.vcpu_count));
    record.insert("memory_mb".into(), json!(req.memory_mb));
    record.insert("build_args".into(), json!(req.build_args));
    record.insert("is_public".into(), json!(false));
    record.insert("created_at".into(), json!(shared.now_iso()));
    Snapshot { seq, record, created, failure, size_bytes: size_bytes(req) }
}

pub(crate) fn get(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = params.first().map(String::as_str).unwrap_or_default();
    let tenants = shared.tenants();
    let snapshot = tenants.get(&key).and_then(|t| t.snapshots.get(id)).ok_or_else(|| not_found(id))?;
    Ok(Reply::Now(json_response(200, view(shared, snapshot))))
}

pub(crate) fn delete(shared: &Shared, request: &Request, params: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let id = params.first().map(String::as_str).unwrap_or_default();
    let mut tenants = shared.tenants();
    tenants.get_mut(&key).and_then(|t| t.snapshots.remove(id)).ok_or_else(|| not_found(id))?;
    Ok(Reply::Now(json_response(200, json!({ "status": "ok", "id": id, "deleted": true }))))
}

/// The end of a call that waited for a build: the record as it is now, or
/// what was answered at first when it is gone.
pub(crate) fn answer(shared: &Shared, key: &str, id: &str, fallback: Value) -> Reply {
    let tenants = shared.tenants();
    let record = tenants.get(key).and_then(|t| t.snapshots.get(id)).map_or(fallback, |s| view(shared, s));
    Reply::Now(json_response(201, record))
}

/// A string field of a stored record (`id`, `vm_id`), which every record has.
pub(crate) fn record_id(record: &Map<String, Value>, key: &str) -> String {
    record.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(404, format!("Snapshot '{id}' not found"))
}

/// The record as of now: the status follows from the time since creation.
pub(crate) fn view(shared: &Shared, s: &Snapshot) -> Value {
    let elapsed = shared.now_ms() - s.created;
    let build_ms = shared.settings.build_ms as f64;
    let status = if elapsed < build_ms * PENDING_SHARE {
        "pending"
    } else if elapsed < build_ms {
        "building"
    } else if s.failure.is_some() {
        "failed"
    } else {
        "ready"
    };
    let mut record = s.record.clone();
    record.insert("status".into(), json!(status));
    let error = if status == "failed" { json!(s.failure) } else { Value::Null };
    record.insert("last_error".into(), error.clone());
    record.insert("error".into(), error);
    record.insert("size_bytes".into(), if status == "ready" { json!(s.size_bytes) } else { Value::Null });
    Value::Object(record)
}

/// Why a build will fail, decided at creation from what the user asked for:
/// an image whose registry host ends in `.invalid`, or a post-build command
/// with `exit N` (N > 0).
fn planned_failure(req: &CreateSnapshot) -> Option<String> {
    if let Some(host) = oci::registry_host(&req.oci_image) {
        if host.ends_with(".invalid") {
            return Some(format!(
                "failed to pull image '{}': registry host '{host}' could not be resolved",
                req.oci_image
            ));
        }
    }
    let cmd = req.build_args.as_ref()?.get("post_build_cmd")?.as_str()?;
    let status = exit_status(cmd)?;
    Some(format!("post_build_cmd exited with status {status}"))
}

/// The first `exit N` with N > 0 in a shell command.
fn exit_status(cmd: &str) -> Option<u32> {
    let words: Vec<&str> = cmd.split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|').filter(|w| !w.is_empty()).collect();
    words.windows(2).find_map(|w| match w {
        ["exit", n] => n.parse::<u32>().ok().filter(|n| *n > 0),
        _ => None,
    })
}

/// A deterministic image size: a base per image plus a share per package.
fn size_bytes(req: &CreateSnapshot) -> u64 {
    let base = 80_000_000 + (req.oci_image.bytes().map(u64::from).sum::<u64>() % 97) * 1_000_000;
    let packages = req
        .build_args
        .as_ref()
        .map(|a| {
            ["extra_apt_packages", "extra_pip_packages", "extra_npm_packages"]
                .iter()
                .filter_map(|k| a.get(*k).and_then(Value::as_str))
                .map(|s| s.split_whitespace().count() as u64)
                .sum::<u64>()
        })
        .unwrap_or(0);
    base + packages * 12_500_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_are_found_in_commands() {
        assert_eq!(exit_status("exit 3"), Some(3));
        assert_eq!(exit_status("make && exit 2"), Some(2));
        assert_eq!(exit_status("echo ok; exit 0"), None);
        assert_eq!(exit_status("pip install -r req.txt"), None);
    }
}
