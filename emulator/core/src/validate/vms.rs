//! The checks of the `/v1/vms` bodies: create, update, a volume to mount and
//! environment entries to stage. Those of routes that also read a query
//! (`wait`) add to the caller's `Problems`, so that one 422 lists the
//! query's problems and the body's together, as the API's validation does.

use serde_json::{Map, Value};

use super::{object, Problems};
use crate::wire::ApiError;

/// Checks a create body, every field of its type; the integers are written
/// back as integers (`2.0` is stored as 2, as the API's validation reads it).
pub fn create(p: &mut Problems, body: &mut Map<String, Value>) {
    let lifetime = p.int_in(body, &["vm_lifetime_seconds"], 20, 86_400);
    let memory_mb = memory(p, body);
    let vcpus = p.int_in(body, &["vcpu_count"], 1, 8);
    if let Some(v) = p.string(body, &["image_variant"]) {
        if v != "computer-use" && v != "nix-dev" {
            p.add(&["image_variant"], "Input should be 'computer-use' or 'nix-dev'", "enum");
        }
    }
    p.string(body, &["snapshot_id"]);
    p.string(body, &["session_id"]);
    p.string(body, &["snapshot_name"]);
    if let Some(m) = body.get("metadata") {
        if !m.is_object() {
            p.add(&["metadata"], "Input should be a valid dictionary", "dict_type");
        }
    }
    match body.get("volumes") {
        None => {}
        Some(Value::Array(vols)) => {
            for (i, v) in vols.iter().enumerate() {
                volume_at(p, v, &i.to_string());
            }
        }
        Some(_) => p.add(&["volumes"], "Input should be a valid list", "list_type"),
    }
    match body.get("egress_policy") {
        None => {}
        Some(Value::Object(policy)) => {
            for flag in ["allow_public_repos", "allow_http", "allow_https"] {
                p.boolean(policy, &["egress_policy", flag], false);
            }
            p.strings(policy, &["egress_policy", "allowed_domains"]);
            p.strings(policy, &["egress_policy", "allowed_cidrs"]);
        }
        Some(_) => p.add(&["egress_policy"], "Input should be a valid dictionary", "dict_type"),
    }
    p.strings(body, &["vault_ids"]);
    for flag in ["auto_suspend", "auto_resume", "snapshot_on_terminate"] {
        p.boolean(body, &[flag], false);
    }
    // Only the snapshot to boot from and the end-of-life snapshot's name may
    // be null (the type checks above already refuse a null object or list).
    p.not_null(body, &["vm_lifetime_seconds", "memory_mb", "vcpu_count", "session_id", "image_variant"]);
    for (field, value) in [("vm_lifetime_seconds", lifetime), ("memory_mb", memory_mb), ("vcpu_count", vcpus)] {
        if let Some(n) = value {
            body.insert(field.into(), Value::from(n));
        }
    }
}

/// An update body: the fields it may change, each of its type; the memory
/// written back as an integer.
pub fn update(body: &mut Map<String, Value>) -> Result<(), ApiError> {
    let mut p = Problems::default();
    let memory_mb = memory(&mut p, body);
    p.string(body, &["snapshot_name"]);
    p.strings(body, &["vault_ids"]);
    for flag in ["auto_suspend", "auto_resume", "snapshot_on_terminate"] {
        p.boolean(body, &[flag], false);
    }
    p.not_null(body, &["memory_mb"]);
    p.into_result()?;
    if let Some(n) = memory_mb {
        body.insert("memory_mb".into(), Value::from(n));
    }
    Ok(())
}

/// A body of one optional name (`vms.snapshot`'s `name`, `vms.clone`'s
/// `snapshot_name`): a string or null.
pub fn named(p: &mut Problems, body: &Map<String, Value>, field: &str) -> Option<String> {
    p.string(body, &[field])
}

/// The body of `POST /v1/vms/{id}/volumes`: one volume.
pub fn volume(p: &mut Problems, body: &Value) {
    if body.is_object() {
        volume_at(p, body, "");
    } else {
        p.object(body);
    }
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

/// `memory_mb`: within bounds, and even; the value when it is one.
fn memory(p: &mut Problems, body: &Map<String, Value>) -> Option<i64> {
    let m = p.int_in(body, &["memory_mb"], 128, 8192)?;
    if m % 2 != 0 {
        p.add(&["memory_mb"], "Input should be an even number", "value_error");
        return None;
    }
    Some(m)
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
    let mode = match obj.get("mode") {
        None => "rw",
        Some(Value::String(m)) if m == "rw" || m == "ro" => m.as_str(),
        Some(_) => {
            p.add(&loc("mode"), "Input should be 'rw' or 'ro'", "enum");
            "rw"
        }
    };
    match obj.get("checkpoint_id") {
        None => {}
        Some(Value::String(_)) if mode == "ro" => {}
        Some(Value::String(_)) => p.add(&loc("checkpoint_id"), "A checkpoint can be mounted only read-only (mode 'ro')", "value_error"),
        Some(_) => p.add(&loc("checkpoint_id"), "Input should be a valid string", "string_type"),
    }
}
