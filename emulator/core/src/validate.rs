//! Request-body checks, answered FastAPI-style: one `{loc, msg, type}` item per
//! problem, all problems at once.

use serde_json::{json, Map, Value};

use crate::oci;

/// Collects 422 items while a body is checked.
#[derive(Default)]
pub struct Problems(pub Vec<Value>);

impl Problems {
    pub fn add(&mut self, loc: &[&str], msg: impl Into<String>, kind: &str) {
        let mut path = vec![Value::from("body")];
        path.extend(loc.iter().map(|s| Value::from(*s)));
        self.0.push(json!({ "loc": path, "msg": msg.into(), "type": kind }));
    }

    pub fn int_in(&mut self, body: &Map<String, Value>, loc: &[&str], min: i64, max: i64) -> Option<i64> {
        let v = body.get(*loc.last()?)?;
        if v.is_null() {
            return None;
        }
        match v.as_i64() {
            Some(n) if n >= min && n <= max => Some(n),
            Some(_) => {
                self.add(loc, format!("Input should be between {min} and {max}"), "value_error");
                None
            }
            None => {
                self.add(loc, "Input should be a valid integer", "int_type");
                None
            }
        }
    }

    pub fn string(&mut self, body: &Map<String, Value>, loc: &[&str]) -> Option<String> {
        match body.get(*loc.last()?)? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => {
                self.add(loc, "Input should be a valid string", "string_type");
                None
            }
        }
    }
}

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

pub fn create_snapshot(body: &Value) -> Result<CreateSnapshot, Vec<Value>> {
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

/// Why a build will fail, decided at creation from what the user asked for:
/// an image whose registry host ends in `.invalid`, or a post-build command
/// with `exit N` (N > 0).
pub fn planned_failure(req: &CreateSnapshot) -> Option<String> {
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
pub fn size_bytes(req: &CreateSnapshot) -> u64 {
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

    #[test]
    fn reports_every_problem_with_its_location() {
        let body = json!({ "vcpu_count": 9, "type": "x", "build_args": { "disk_size_gb": 0, "envs": { "A": 1 } } });
        let problems = create_snapshot(&body).err().unwrap_or_default();
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
        let req = create_snapshot(&json!({ "oci_image": "alpine", "build_args": { "disk_size_gb": 10 } })).ok();
        let disk = req.and_then(|r| r.build_args).and_then(|a| a.get("disk_size_gb").cloned());
        assert_eq!(disk, Some(json!(3)));
    }
}
