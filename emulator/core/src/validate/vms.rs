//! The checks of the `/v1/vms` bodies: create, update, a volume to mount and
//! environment entries to stage.

use serde_json::{Map, Value};

use super::{object, Problems};
use crate::wire::ApiError;

/// The fields of a create body that the API bounds.
pub fn create(body: &Map<String, Value>) -> Result<(), ApiError> {
    let mut p = Problems::default();
    p.int_in(body, &["vm_lifetime_seconds"], 20, 86_400);
    memory(&mut p, body);
    p.int_in(body, &["vcpu_count"], 1, 8);
    if let Some(v) = p.string(body, &["image_variant"]) {
        if v != "computer-use" && v != "nix-dev" {
            p.add(&["image_variant"], "Input should be 'computer-use' or 'nix-dev'", "enum");
        }
    }
    p.string(body, &["snapshot_id"]);
    if let Some(m) = body.get("metadata") {
        if !m.is_object() && !m.is_null() {
            p.add(&["metadata"], "Input should be a valid dictionary", "dict_type");
        }
    }
    if let Some(vols) = body.get("volumes").and_then(Value::as_array) {
        for (i, v) in vols.iter().enumerate() {
            volume_at(&mut p, v, &i.to_string());
        }
    }
    p.into_result()
}

/// An update body: of the fields it may change, only the memory is bounded.
pub fn update(body: &Map<String, Value>) -> Result<(), ApiError> {
    let mut p = Problems::default();
    memory(&mut p, body);
    p.into_result()
}

/// The body of `POST /v1/vms/{id}/volumes`: one volume.
pub fn volume(body: &Value) -> Result<(), ApiError> {
    let mut p = Problems::default();
    volume_at(&mut p, body, "");
    p.into_result()
}

/// The entries of a stage-env body, each a valid variable name with a string
/// value.
pub fn stage_env(body: &Value) -> Result<Vec<Value>, ApiError> {
    let entries = object(body)?.get("entries").and_then(Value::as_array).cloned().ok_or_else(|| {
        ApiError::unprocessable(vec![serde_json::json!({ "loc": ["body", "entries"], "msg": "Field required", "type": "missing" })])
    })?;
    let mut p = Problems::default();
    for (i, e) in entries.iter().enumerate() {
        let at = i.to_string();
        let name_ok = e.get("env_name").and_then(Value::as_str).is_some_and(|n| {
            n.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if !name_ok {
            p.add(&["entries", &at, "env_name"], "Input should be a valid environment variable name", "value_error");
        }
        if !e.get("value").is_some_and(Value::is_string) {
            p.add(&["entries", &at, "value"], "Input should be a valid string", "string_type");
        }
    }
    p.into_result()?;
    Ok(entries)
}

/// `memory_mb`: within bounds, and even.
fn memory(p: &mut Problems, body: &Map<String, Value>) {
    if let Some(m) = p.int_in(body, &["memory_mb"], 128, 8192) {
        if m % 2 != 0 {
            p.add(&["memory_mb"], "Input should be an even number", "value_error");
        }
    }
}

/// One volume, found at `volumes.{at}` of a create body, or the whole body
/// when `at` is empty.
fn volume_at(p: &mut Problems, v: &Value, at: &str) {
    let prefix: Vec<&str> = if at.is_empty() { vec![] } else { vec!["volumes", at] };
    let loc = |k: &'static str| -> Vec<&str> { prefix.iter().copied().chain([k]).collect() };
    let Some(obj) = v.as_object() else {
        p.add(&prefix, "Input should be a valid dictionary", "dict_type");
        return;
    };
    if !obj.get("volume_id").is_some_and(Value::is_string) {
        p.add(&loc("volume_id"), "Field required", "missing");
    }
    if !obj.get("mount_path").and_then(Value::as_str).is_some_and(|m| m.starts_with('/')) {
        p.add(&loc("mount_path"), "Input should be an absolute path", "value_error");
    }
    let mode = obj.get("mode").and_then(Value::as_str).unwrap_or("rw");
    if mode != "rw" && mode != "ro" {
        p.add(&loc("mode"), "Input should be 'rw' or 'ro'", "enum");
    }
    if obj.get("checkpoint_id").is_some_and(|c| !c.is_null()) && mode != "ro" {
        p.add(&loc("checkpoint_id"), "A checkpoint can be mounted only read-only (mode 'ro')", "value_error");
    }
}
