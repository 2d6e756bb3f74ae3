//! `/v1/snapshots`: build from an OCI image, list, get, delete.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::http::{api_key, json_response, ApiError};
use crate::state::{Shared, Snapshot};
use crate::time::now_iso;
use crate::validate::{self, planned_failure, size_bytes};

/// The share of a build spent `pending` before it turns `building`.
const PENDING_SHARE: f64 = 0.25;

pub async fn list(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let key = api_key(&headers)?;
    let wanted = query.get("type").map(String::as_str);
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
        .map(|t| t.snapshots.values().filter(|s| wanted.is_none_or(|w| s.record["type"] == w)).collect())
        .unwrap_or_default();
    found.sort_by_key(|s| s.seq);
    let records: Vec<Value> = found.into_iter().map(|s| view(s, shared.settings.build_ms)).collect();
    Ok(json_response(200, Value::Array(records)))
}

pub async fn create(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let key = api_key(&headers)?;
    let body: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::unprocessable(vec![json!({ "loc": ["body"], "msg": format!("JSON decode error: {e}"), "type": "json_invalid" })])
    })?;
    let req = validate::create_snapshot(&body).map_err(ApiError::unprocessable)?;
    let mut tenants = shared.tenants();
    let tenant = tenants.entry(key).or_default();
    let snapshot = new_snapshot(&shared, &req, planned_failure(&req), Instant::now());
    let response = view(&snapshot, shared.settings.build_ms);
    tenant.snapshots.insert(snapshot.record["id"].as_str().unwrap_or_default().to_string(), snapshot);
    Ok(json_response(201, response))
}

/// A snapshot record as the build starts (`created` may lie in the past, to
/// make one that is already built).
pub fn new_snapshot(shared: &Shared, req: &validate::CreateSnapshot, failure: Option<String>, created: Instant) -> Snapshot {
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
    record.insert("created_at".into(), json!(now_iso()));
    Snapshot { seq, record, created, failure, size_bytes: size_bytes(req) }
}

pub async fn get(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let key = api_key(&headers)?;
    let tenants = shared.tenants();
    let snapshot = tenants.get(&key).and_then(|t| t.snapshots.get(&id)).ok_or_else(|| not_found(&id))?;
    Ok(json_response(200, view(snapshot, shared.settings.build_ms)))
}

pub async fn delete(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let key = api_key(&headers)?;
    let mut tenants = shared.tenants();
    tenants.get_mut(&key).and_then(|t| t.snapshots.remove(&id)).ok_or_else(|| not_found(&id))?;
    Ok(json_response(200, json!({ "status": "ok", "id": id, "deleted": true })))
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(404, format!("Snapshot '{id}' not found"))
}

/// The record as of now: the status follows from the time since creation.
pub fn view(s: &Snapshot, build_ms: u64) -> Value {
    let elapsed = s.created.elapsed().as_secs_f64() * 1000.0;
    let build_ms = build_ms as f64;
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
