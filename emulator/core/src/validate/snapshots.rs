//! The checks of a `POST /v1/snapshots` body.

use serde_json::{Map, Value};

use super::Problems;
use crate::oci;

/// A checked `POST /v1/snapshots` body.
pub struct CreateSnapshot {
    pub oci_image: String,
    pub name: Option<String>,
    pub vcpu_count: i64,
    pub memory_mb: i64,
    pub snapshot_type: String,
    /// As sent, with `disk_size_gb` capped at 3 as the real API does.
    pub build_args: Option<Map<String, Value>>,
}

pub fn create(body: &Value) -> Result<CreateSnapshot, Vec<Value>> {
    let mut p = Problems::default();
    let Some(obj) = body.as_object() else {
        p.add(&[], "Input should be a valid JSON object", "model_type");
        return Err(p.0);
    };
    let oci_image = match obj.get("oci_image") {
        None | Some(Value::Null) => {
            p.add(&["oci_image"], "Field required", "missing");
            None
        }
        Some(Value::String(s)) if oci::is_valid_reference(s) => Some(s.clone()),
        Some(Value::String(_)) => {
            p.add(&["oci_image"], "Input is not a valid OCI image reference", "value_error");
            None
        }
        Some(_) => {
            p.add(&["oci_image"], "Input should be a valid string", "string_type");
            None
        }
    };
    let name = p.string(obj, &["name"]);
    let vcpu_count = p.int_in(obj, &["vcpu_count"], 1, 8).unwrap_or(2);
    let memory_mb = p.int_in(obj, &["memory_mb"], 128, 8192).unwrap_or(512);
    let snapshot_type = match p.string(obj, &["type"]) {
        None => "user".to_string(),
        Some(t) if t == "user" || t == "system" => t,
        Some(_) => {
            p.add(&["type"], "Input should be 'user' or 'system'", "enum");
            "user".to_string()
        }
    };
    let build_args = match obj.get("build_args") {
        None | Some(Value::Null) => None,
        Some(Value::Object(args)) => Some(build_args(&mut p, args)),
        Some(_) => {
            p.add(&["build_args"], "Input should be a valid dictionary", "dict_type");
            None
        }
    };
    match (p.0.is_empty(), oci_image) {
        (true, Some(oci_image)) => Ok(CreateSnapshot { oci_image, name, vcpu_count, memory_mb, snapshot_type, build_args }),
        _ => Err(p.0),
    }
}

fn build_args(p: &mut Problems, args: &Map<String, Value>) -> Map<String, Value> {
    let mut out = args.clone();
    for key in ["extra_apt_packages", "extra_pip_packages", "extra_npm_packages", "git_clone_url", "git_clone_branch", "post_build_cmd"] {
        p.string(args, &["build_args", key]);
    }
    if let Some(disk) = p.int_in(args, &["build_args", "disk_size_gb"], 1, i64::MAX) {
        // The documented behaviour: larger disks are capped, not refused.
        out.insert("disk_size_gb".into(), Value::from(disk.min(3)));
    }
    match args.get("envs") {
        None | Some(Value::Null) => {}
        Some(Value::Object(envs)) => {
            for (name, value) in envs {
                if !value.is_string() {
                    p.add(&["build_args", "envs", name], "Input should be a valid string", "string_type");
                }
            }
        }
        Some(_) => p.add(&["build_args", "envs"], "Input should be a valid dictionary", "dict_type"),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_every_problem_with_its_location() {
        let body = json!({ "vcpu_count": 9, "type": "x", "build_args": { "disk_size_gb": 0, "envs": { "A": 1 } } });
        let problems = create(&body).err().unwrap_or_default();
        let locs: Vec<String> = problems.iter().map(|p| p["loc"].to_string()).collect();
        assert_eq!(
            locs,
            vec![
                r#"["body","oci_image"]"#,
                r#"["body","vcpu_count"]"#,
                r#"["body","type"]"#,
                r#"["body","build_args","disk_size_gb"]"#,
                r#"["body","build_args","envs","A"]"#,
            ]
        );
    }

    #[test]
    fn caps_disks_at_three() {
        let req = create(&json!({ "oci_image": "alpine", "build_args": { "disk_size_gb": 10 } })).ok();
        let disk = req.and_then(|r| r.build_args).and_then(|a| a.get("disk_size_gb").cloned());
        assert_eq!(disk, Some(json!(3)));
    }
}
