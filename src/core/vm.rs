//! Requests of the VM API: bodies for create, update, snapshot, clone,
//! stage-env and volume mounts, and the `wait` argument in both its forms.


use super::error::ClientError;
use super::keys::{only_fields, only_known, unknown};
use super::validate::{integer_in, is_env_name, json_compatible, one_of, present, quote, string, text, token};
use super::value::Value;

pub const IMAGE_VARIANTS: [&str; 2] = ["computer-use", "nix-dev"];
pub const VOLUME_MODES: [&str; 2] = ["rw", "ro"];

/// The fields of `POST /v1/vms`.
pub const CREATE_FIELDS: [&str; 14] = [
    "vm_lifetime_seconds",
    "memory_mb",
    "vcpu_count",
    "snapshot_id",
    "session_id",
    "image_variant",
    "metadata",
    "volumes",
    "egress_policy",
    "vault_ids",
    "auto_suspend",
    "auto_resume",
    "snapshot_on_terminate",
    "snapshot_name",
];
/// The fields `PATCH /v1/vms/{id}` changes.
pub const UPDATE_FIELDS: [&str; 6] = ["memory_mb", "snapshot_on_terminate", "snapshot_name", "vault_ids", "auto_suspend", "auto_resume"];
/// Those of them a PATCH clears with null (the API's schema takes it there);
/// elsewhere null means "not set".
pub const UPDATE_CLEARABLE: [&str; 1] = ["snapshot_name"];
/// The keys of one volume mount.
pub const VOLUME_FIELDS: [&str; 4] = ["volume_id", "mount_path", "mode", "checkpoint_id"];
/// The keys of `egress_policy`.
pub const EGRESS_FIELDS: [&str; 5] = ["allow_public_repos", "allow_http", "allow_https", "allowed_domains", "allowed_cidrs"];

/// The metadata key under which the client records a create's idempotency
/// key, so that after an ambiguous failure it can find the VM by listing
/// (the InstaVM API documents no idempotency header of its own).
pub const IDEMPOTENCY_METADATA_KEY: &str = "instavm_wasm_idempotency_key";

/// VM statuses, as far as waiting is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmPhase {
    /// `creating`, `provisioning`, `resuming`, `suspending` or unknown.
    Transitional,
    /// `active` (canonical), `running`.
    Live,
    /// `suspended`.
    Parked,
    /// `failed`, `error`, `terminated`, `deleted`, `killed`.
    Final,
}

pub fn vm_phase(status: &str) -> VmPhase {
    let s = status.trim().to_ascii_lowercase();
    match s.as_str() {
        "active" | "running" => VmPhase::Live,
        "suspended" => VmPhase::Parked,
        "failed" | "error" | "terminated" | "deleted" | "killed" => VmPhase::Final,
        _ => VmPhase::Transitional,
    }
}

/// `vms.create(body)`: checks the documented fields, refuses unknown ones by name,
/// and records `idempotency_key` in `metadata` (see [`IDEMPOTENCY_METADATA_KEY`]).
pub fn create_body(body: &Value, idempotency_key: &str) -> Result<Value, ClientError> {
    let members = object_or_empty("body", body)?;
    only_fields(body, &CREATE_FIELDS)?;
    let mut out = Vec::with_capacity(members.len() + 1);
    for (key, v) in members {
        // `metadata` is merged below, with the idempotency key.
        if let Some(v) = present(Some(v)).filter(|_| key != "metadata") {
            out.push((key.clone(), vm_field(key, v)?));
        }
    }
    let mut metadata = match present(body.get("metadata")) {
        None => Vec::new(),
        Some(Value::Object(m)) => {
            json_compatible("metadata", &Value::Object(m.clone()))?;
            m.clone()
        }
        Some(other) => return Err(ClientError::invalid("metadata", format!("must be an object, got {}", other.type_name()))),
    };
    metadata.retain(|(k, _)| k != IDEMPOTENCY_METADATA_KEY);
    metadata.push((IDEMPOTENCY_METADATA_KEY.to_string(), Value::String(idempotency_key.to_string())));
    out.push(("metadata".to_string(), Value::Object(metadata)));
    Ok(Value::Object(out))
}

/// One field of a VM body, checked by the same rule wherever it appears
/// (create and update); the caller has refused unknown keys already.
fn vm_field(key: &str, v: &Value) -> Result<Value, ClientError> {
    Ok(match key {
        "vm_lifetime_seconds" => Value::Number(integer_in(key, v, 20, 86_400)? as f64),
        "memory_mb" => memory_mb(key, v)?,
        "vcpu_count" => Value::Number(integer_in(key, v, 1, 8)? as f64),
        "snapshot_id" | "session_id" => Value::String(token(key, v, 1024)?),
        "snapshot_name" => Value::String(text(key, v, 1024)?),
        "image_variant" => Value::String(one_of(key, v, &IMAGE_VARIANTS)?),
        "metadata" => {
            json_compatible(key, v)?;
            match v {
                Value::Object(_) => v.clone(),
                other => return Err(ClientError::invalid(key, format!("must be an object, got {}", other.type_name()))),
            }
        }
        "volumes" => volumes(v)?,
        "egress_policy" => egress_policy(v)?,
        "vault_ids" => string_list(key, v)?,
        "auto_suspend" | "auto_resume" | "snapshot_on_terminate" => boolean(key, v)?,
        other => return Err(unknown("", other, &CREATE_FIELDS)),
    })
}

/// `vms.update(vmId, patch)`: the fields an update may change, checked; any
/// other key is refused by name.
pub fn update_body(patch: &Value) -> Result<Value, ClientError> {
    let Value::Object(members) = patch else {
        return Err(ClientError::invalid("patch", format!("must be an object, got {}", patch.type_name())));
    };
    only_fields(patch, &UPDATE_FIELDS)?;
    let mut out = Vec::with_capacity(members.len());
    for (key, v) in members {
        if let Some(v) = present(Some(v)) {
            out.push((key.clone(), vm_field(key, v)?));
        } else if matches!(v, Value::Null) && UPDATE_CLEARABLE.contains(&key.as_str()) {
            out.push((key.clone(), Value::Null));
        }
    }
    if out.is_empty() {
        return Err(ClientError::invalid("patch", "must change at least one field, e.g. { memory_mb: 2048 }"));
    }
    Ok(Value::Object(out))
}

/// `{ name }` of `vms.snapshot`, `{ snapshot_name }` of `vms.clone`: one
/// optional string field.
pub fn named_body(body: &Value, field: &str) -> Result<Value, ClientError> {
    object_or_empty("body", body)?;
    only_fields(body, &[field])?;
    match present(body.get(field)) {
        Some(v) => Ok(Value::Object(vec![(field.to_string(), Value::String(text(field, v, 1024)?))])),
        None => Ok(Value::Object(Vec::new())),
    }
}

/// `vms.stageEnv(vmId, { NAME: 'value' })` -> `{"entries":[{env_name, value}]}`.
/// Values are secrets: no message ever quotes one.
pub fn stage_env_body(env: &Value) -> Result<Value, ClientError> {
    let Value::Object(members) = env else {
        return Err(ClientError::invalid("env", format!("must be an object of variable names to string values, got {}", env.type_name())));
    };
    if members.is_empty() {
        return Err(ClientError::invalid("env", "must hold at least one variable"));
    }
    let mut entries = Vec::with_capacity(members.len());
    for (name, value) in members {
        if !is_env_name(name) {
            return Err(ClientError::invalid("env", format!("{} is not a valid variable name (letters, digits and _, not starting with a digit)", quote(name))));
        }
        let field = format!("env.{name}");
        let Value::String(secret) = value else {
            return Err(ClientError::invalid(&field, format!("must be a string, got {}", value.type_name())));
        };
        if secret.contains('\0') || secret.len() > 65_536 {
            return Err(ClientError::invalid(&field, "must be at most 65536 bytes without NUL characters (the value is not shown)"));
        }
        entries.push(Value::Object(vec![
            ("env_name".to_string(), Value::String(name.clone())),
            ("value".to_string(), Value::String(secret.clone())),
        ]));
    }
    Ok(Value::Object(vec![("entries".to_string(), Value::Array(entries))]))
}

/// One volume mount: `{ volume_id, mount_path, mode?, checkpoint_id? }`.
pub fn volume(field: &str, v: &Value) -> Result<Value, ClientError> {
    let Value::Object(members) = v else {
        return Err(ClientError::invalid(field, format!("must be an object with volume_id and mount_path, got {}", v.type_name())));
    };
    let sub = |k: &str| format!("{field}.{k}").trim_start_matches('.').to_string();
    only_known(field, v, &VOLUME_FIELDS)?;
    let volume_id = present(v.get("volume_id")).ok_or_else(|| ClientError::invalid(&sub("volume_id"), "is required"))?;
    let mount_path = present(v.get("mount_path")).ok_or_else(|| ClientError::invalid(&sub("mount_path"), "is required"))?;
    token(&sub("volume_id"), volume_id, 1024)?;
    mount_path_of(&sub("mount_path"), mount_path)?;
    let mode = present(v.get("mode")).map(|m| one_of(&sub("mode"), m, &VOLUME_MODES)).transpose()?;
    if let Some(c) = present(v.get("checkpoint_id")) {
        token(&sub("checkpoint_id"), c, 1024)?;
        if mode.as_deref() != Some("ro") {
            return Err(ClientError::invalid(&sub("checkpoint_id"), "is allowed only with mode 'ro' (a checkpoint is read-only)"));
        }
    }
    let mut out = Vec::new();
    for (k, item) in members {
        if let Some(item) = present(Some(item)) {
            json_compatible(&sub(k), item)?;
            out.push((k.clone(), item.clone()));
        }
    }
    Ok(Value::Object(out))
}

fn volumes(v: &Value) -> Result<Value, ClientError> {
    let Value::Array(items) = v else {
        return Err(ClientError::invalid("volumes", format!("must be an array of mounts, got {}", v.type_name())));
    };
    items.iter().enumerate().map(|(i, item)| volume(&format!("volumes[{i}]"), item)).collect::<Result<Vec<_>, _>>().map(Value::Array)
}

fn egress_policy(v: &Value) -> Result<Value, ClientError> {
    let Value::Object(members) = v else {
        return Err(ClientError::invalid("egress_policy", format!("must be an object, got {}", v.type_name())));
    };
    only_known("egress_policy", v, &EGRESS_FIELDS)?;
    let mut out = Vec::new();
    for (key, item) in members {
        let Some(item) = present(Some(item)) else { continue };
        let field = format!("egress_policy.{key}");
        let checked = match key.as_str() {
            "allow_public_repos" | "allow_http" | "allow_https" => boolean(&field, item)?,
            "allowed_domains" => string_list(&field, item)?,
            "allowed_cidrs" => {
                let list = string_list(&field, item)?;
                if let Value::Array(cidrs) = &list {
                    for (i, c) in cidrs.iter().enumerate() {
                        if !c.as_str().is_some_and(is_cidr) {
                            return Err(ClientError::invalid(&format!("{field}[{i}]"), format!("must be a CIDR such as 10.0.0.0/8, got {}", quote(c.as_str().unwrap_or("")))));
                        }
                    }
                }
                list
            }
            other => return Err(unknown("egress_policy", other, &EGRESS_FIELDS)),
        };
        out.push((key.clone(), checked));
    }
    Ok(Value::Object(out))
}

/// An IPv4 or IPv6 network in CIDR notation (shape only).
fn is_cidr(s: &str) -> bool {
    let Some((addr, bits)) = s.split_once('/') else { return false };
    let Ok(bits) = bits.parse::<u8>() else { return false };
    if addr.contains(':') {
        bits <= 128 && addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        let octets: Vec<&str> = addr.split('.').collect();
        bits <= 32 && octets.len() == 4 && octets.iter().all(|o| o.parse::<u8>().is_ok())
    }
}

fn memory_mb(field: &str, v: &Value) -> Result<Value, ClientError> {
    let n = integer_in(field, v, 128, 8192)?;
    if n % 2 != 0 {
        return Err(ClientError::invalid(field, format!("must be an even number of MB from 128 to 8192, got {n}")));
    }
    Ok(Value::Number(n as f64))
}

fn boolean(field: &str, v: &Value) -> Result<Value, ClientError> {
    match v {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        other => Err(ClientError::invalid(field, format!("must be true or false, got {}", other.type_name()))),
    }
}

fn string_list(field: &str, v: &Value) -> Result<Value, ClientError> {
    let Value::Array(items) = v else {
        return Err(ClientError::invalid(field, format!("must be an array of strings, got {}", v.type_name())));
    };
    for (i, item) in items.iter().enumerate() {
        token(&format!("{field}[{i}]"), item, 1024)?;
    }
    Ok(v.clone())
}

fn object_or_empty<'a>(field: &str, v: &'a Value) -> Result<&'a [(String, Value)], ClientError> {
    match v {
        Value::Null => Ok(&[]),
        Value::Object(m) => Ok(m),
        other => Err(ClientError::invalid(field, format!("must be an object, got {}", other.type_name()))),
    }
}

/// The `wait` argument: the documented positional boolean, or an options
/// object `{ wait, signal, timeoutMs, onStatus }`. Absent means `default`.
pub fn wait_flag(arg: &Value, default: bool) -> Result<bool, ClientError> {
    match arg {
        Value::Null => Ok(default),
        Value::Bool(b) => Ok(*b),
        Value::Object(_) => match present(arg.get("wait")) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(ClientError::invalid("wait", format!("must be true or false, got {}", other.type_name()))),
        },
        other => Err(ClientError::invalid("wait", format!("must be true, false or an options object, got {}", other.type_name()))),
    }
}

/// A mount path, in a mount's body or an unmount's query: a string that is
/// absolute, which is all the API's schema asks (`^/`): a path with a space
/// is mounted, so it must be unmountable too.
pub fn mount_path_of(field: &str, v: &Value) -> Result<String, ClientError> {
    let path = string(field, v)?.to_string();
    if !path.starts_with('/') {
        return Err(ClientError::invalid(field, format!("must be an absolute path, got {}", quote(&path))));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::{n, obj, s};

    fn field_of(r: Result<Value, ClientError>) -> String {
        r.unwrap_err().field.unwrap_or_default()
    }

    #[test]
    fn a_patch_sends_null_only_to_clear_the_snapshot_name() {
        let body = update_body(&obj(vec![("snapshot_name", Value::Null), ("memory_mb", Value::Null)])).unwrap();
        assert_eq!(body.to_json(), r#"{"snapshot_name":null}"#);
        assert_eq!(field_of(update_body(&obj(vec![("memory_mb", Value::Null)]))), "patch");
    }

    #[test]
    fn a_mount_path_is_absolute_in_a_body_and_in_a_query() {
        assert_eq!(mount_path_of("mount_path", &s("/data")).unwrap(), "/data");
        assert_eq!(mount_path_of("mount_path", &s("/mnt/my data")).unwrap(), "/mnt/my data");
        let e = mount_path_of("mount_path", &s("data")).unwrap_err();
        assert_eq!((e.field.as_deref(), e.message.as_str()), (Some("mount_path"), "mount_path: must be an absolute path, got \"data\""));
        assert_eq!(field_of(volume("volumes[0]", &obj(vec![("volume_id", s("v")), ("mount_path", s("data"))])).map(|_| Value::Null)), "volumes[0].mount_path");
    }

    #[test]
    fn an_empty_create_gets_only_the_idempotency_metadata() {
        let body = create_body(&Value::Null, "ivm-1").unwrap();
        assert_eq!(body.to_json(), r#"{"metadata":{"instavm_wasm_idempotency_key":"ivm-1"}}"#);
        let body = create_body(&obj(vec![("metadata", obj(vec![("team", s("a"))])), ("vcpu_count", n(2.0))]), "k").unwrap();
        assert_eq!(body.to_json(), r#"{"vcpu_count":2,"metadata":{"team":"a","instavm_wasm_idempotency_key":"k"}}"#);
    }

    #[test]
    fn create_fields_are_checked_by_name() {
        let table: Vec<(Value, &str)> = vec![
            (obj(vec![("vcpu_count", n(9.0))]), "vcpu_count"),
            (obj(vec![("memory_mb", n(1025.0))]), "memory_mb"),
            (obj(vec![("memory_mb", n(64.0))]), "memory_mb"),
            (obj(vec![("vm_lifetime_seconds", n(19.0))]), "vm_lifetime_seconds"),
            (obj(vec![("vm_lifetime_seconds", n(86_401.0))]), "vm_lifetime_seconds"),
            (obj(vec![("image_variant", s("windows"))]), "image_variant"),
            (obj(vec![("snapshot_id", s(""))]), "snapshot_id"),
            (obj(vec![("metadata", s("x"))]), "metadata"),
            (obj(vec![("auto_suspend", s("yes"))]), "auto_suspend"),
            (obj(vec![("vault_ids", s("v1"))]), "vault_ids"),
            (obj(vec![("volumes", Value::Array(vec![obj(vec![("volume_id", s("v")), ("mount_path", s("data"))])]))]), "volumes[0].mount_path"),
            (obj(vec![("volumes", Value::Array(vec![obj(vec![("volume_id", s("v")), ("mount_path", s("/d")), ("mode", s("rx"))])]))]), "volumes[0].mode"),
            (
                obj(vec![("volumes", Value::Array(vec![obj(vec![("volume_id", s("v")), ("mount_path", s("/d")), ("mode", s("rw")), ("checkpoint_id", s("c"))])]))]),
                "volumes[0].checkpoint_id",
            ),
            (obj(vec![("volumes", Value::Array(vec![obj(vec![("mount_path", s("/d"))])]))]), "volumes[0].volume_id"),
            (obj(vec![("egress_policy", obj(vec![("allow_http", n(1.0))]))]), "egress_policy.allow_http"),
            (obj(vec![("egress_policy", obj(vec![("allowed_cidrs", Value::Array(vec![s("10.0.0.0/33")]))]))]), "egress_policy.allowed_cidrs[0]"),
            (obj(vec![("egress_policy", obj(vec![("allowed_domains", s("a.com"))]))]), "egress_policy.allowed_domains"),
            (obj(vec![("egress_policy", s("open"))]), "egress_policy"),
            (s("x"), "body"),
            (obj(vec![("vcpus", n(2.0))]), "vcpus"),
            (obj(vec![("volumes", Value::Array(vec![obj(vec![("volume_id", s("v")), ("mountpath", s("/d"))])]))]), "volumes[0].mountpath"),
            (obj(vec![("egress_policy", obj(vec![("allow_htps", Value::Bool(true))]))]), "egress_policy.allow_htps"),
        ];
        for (body, want) in table {
            assert_eq!(field_of(create_body(&body, "k")), want, "{body:?}");
        }
        let ok = obj(vec![
            ("memory_mb", n(2048.0)),
            ("volumes", Value::Array(vec![obj(vec![("volume_id", s("v")), ("mount_path", s("/d")), ("mode", s("ro")), ("checkpoint_id", s("c"))])])),
            ("egress_policy", obj(vec![("allowed_cidrs", Value::Array(vec![s("10.0.0.0/8"), s("fd00::/8")])), ("allow_https", Value::Bool(true))])),
        ]);
        assert!(create_body(&ok, "k").is_ok());
    }

    #[test]
    fn stage_env_builds_entries_and_never_quotes_values() {
        let body = stage_env_body(&obj(vec![("API_TOKEN", s("s3cr3t"))])).unwrap();
        assert_eq!(body.to_json(), r#"{"entries":[{"env_name":"API_TOKEN","value":"s3cr3t"}]}"#);
        let e = stage_env_body(&obj(vec![("BAD-NAME", s("s3cr3t"))])).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("env"));
        assert!(!e.message.contains("s3cr3t"));
        let e = stage_env_body(&obj(vec![("OK", s("s3cr3t\0"))])).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("env.OK"));
        assert!(!e.message.contains("s3cr3t"));
        assert_eq!(stage_env_body(&obj(vec![("N", n(1.0))])).unwrap_err().field.as_deref(), Some("env.N"));
        assert!(stage_env_body(&obj(vec![])).is_err());
        assert!(stage_env_body(&s("A=b")).is_err());
    }

    #[test]
    fn updates_need_a_change_and_check_memory() {
        assert!(update_body(&obj(vec![])).is_err());
        assert_eq!(field_of(update_body(&obj(vec![("memory_mb", n(1023.0))]))), "memory_mb");
        assert_eq!(update_body(&obj(vec![("auto_resume", Value::Bool(true))])).unwrap().to_json(), r#"{"auto_resume":true}"#);
        // A create field that an update cannot change is refused, not sent.
        assert_eq!(field_of(update_body(&obj(vec![("vcpu_count", n(2.0))]))), "vcpu_count");
        let e = update_body(&obj(vec![("auto_suspnd", Value::Bool(true))])).unwrap_err();
        assert_eq!(e.message, "auto_suspnd: unknown key; did you mean auto_suspend?");
    }

    #[test]
    fn named_bodies_check_their_one_field() {
        assert_eq!(named_body(&Value::Null, "name").unwrap().to_json(), "{}");
        assert_eq!(named_body(&obj(vec![("name", s("n"))]), "name").unwrap().to_json(), r#"{"name":"n"}"#);
        assert_eq!(field_of(named_body(&obj(vec![("snapshot_name", n(1.0))]), "snapshot_name")), "snapshot_name");
        let e = named_body(&obj(vec![("name", s("n"))]), "snapshot_name").unwrap_err();
        assert_eq!(e.message, "name: unknown key; did you mean snapshot_name?");
        let e = create_body(&obj(vec![("cpus", n(2.0))]), "k").unwrap_err();
        assert_eq!(e.message, "cpus: unknown key; did you mean vcpu_count?");
    }

    #[test]
    fn wait_is_a_boolean_or_an_options_object() {
        assert_eq!(wait_flag(&Value::Null, true), Ok(true));
        assert_eq!(wait_flag(&Value::Bool(false), true), Ok(false));
        assert_eq!(wait_flag(&obj(vec![("wait", Value::Bool(false))]), true), Ok(false));
        assert_eq!(wait_flag(&obj(vec![("timeoutMs", n(5.0))]), true), Ok(true));
        assert!(wait_flag(&s("yes"), true).is_err());
        assert!(wait_flag(&obj(vec![("wait", s("yes"))]), true).is_err());
    }

    #[test]
    fn vm_phases() {
        for s in ["active", "RUNNING"] {
            assert_eq!(vm_phase(s), VmPhase::Live);
        }
        for s in ["failed", "error", "terminated", "deleted", "killed"] {
            assert_eq!(vm_phase(s), VmPhase::Final);
        }
        assert_eq!(vm_phase("suspended"), VmPhase::Parked);
        for s in ["creating", "provisioning", "resuming", "suspending", "new-thing"] {
            assert_eq!(vm_phase(s), VmPhase::Transitional);
        }
    }
}
