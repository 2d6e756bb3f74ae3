//! Requests of the snapshots API: `POST /v1/snapshots` bodies and list queries.


use super::error::ClientError;
use super::keys::{only_fields, only_known, unknown};
use super::path::percent_encode;
use super::validate::{integer_in, is_env_name, one_of, present, quote, text, token};
use super::value::Value;

pub const SNAPSHOT_TYPES: [&str; 2] = ["user", "system"];
const PACKAGE_FIELDS: [&str; 3] = ["extra_apt_packages", "extra_pip_packages", "extra_npm_packages"];
/// The fields of `POST /v1/snapshots`.
pub const CREATE_FIELDS: [&str; 6] = ["oci_image", "name", "vcpu_count", "memory_mb", "type", "build_args"];
/// The keys of `build_args`; the last two are the official SDK's template
/// settings, sent as strings.
pub const BUILD_ARGS_FIELDS: [&str; 10] = [
    "extra_apt_packages",
    "extra_pip_packages",
    "extra_npm_packages",
    "git_clone_url",
    "git_clone_branch",
    "disk_size_gb",
    "envs",
    "post_build_cmd",
    "template_app_cmd",
    "template_app_cwd",
];
/// The documented filters of `GET /v1/snapshots`.
pub const LIST_FIELDS: [&str; 1] = ["type"];

/// Checks `snapshots.create(params)` and builds the JSON body.
///
/// Known fields are checked and normalised (package arrays become the
/// space-separated strings the API expects); an unknown key, top level or in
/// `build_args`, is refused by name with the key it most likely meant (a new
/// API field goes through the call's `extraBody`). `null` means "the
/// server's default" and is left out.
pub fn create_body(params: &Value) -> Result<Value, ClientError> {
    let Value::Object(members) = params else {
        return Err(ClientError::invalid("params", format!("must be an object with at least oci_image, got {}", params.type_name())));
    };
    only_fields(params, &CREATE_FIELDS)?;
    if present(params.get("oci_image")).is_none() {
        return Err(ClientError::invalid("oci_image", "is required, e.g. 'docker.io/library/python:3.11-slim'"));
    }
    let mut body = Vec::with_capacity(members.len());
    for (key, v) in members {
        let Some(v) = present(Some(v)) else { continue };
        let checked = match key.as_str() {
            "oci_image" => Value::String(token("oci_image", v, 1024)?),
            "name" => Value::String(text("name", v, 1024)?),
            "vcpu_count" => Value::Number(integer_in("vcpu_count", v, 1, 8)? as f64),
            "memory_mb" => Value::Number(integer_in("memory_mb", v, 128, 8192)? as f64),
            "type" => Value::String(one_of("type", v, &SNAPSHOT_TYPES)?),
            "build_args" => build_args(v)?,
            other => return Err(unknown("", other, &CREATE_FIELDS)),
        };
        upsert(&mut body, key, checked);
    }
    Ok(Value::Object(body))
}

fn build_args(v: &Value) -> Result<Value, ClientError> {
    let Value::Object(members) = v else {
        return Err(ClientError::invalid("build_args", format!("must be an object, got {}", v.type_name())));
    };
    only_known("build_args", v, &BUILD_ARGS_FIELDS)?;
    let mut out = Vec::with_capacity(members.len());
    for (key, v) in members {
        let Some(v) = present(Some(v)) else { continue };
        let field = format!("build_args.{key}");
        let checked = match key.as_str() {
            k if PACKAGE_FIELDS.contains(&k) => Value::String(package_list(&field, v)?),
            "git_clone_url" => Value::String(token(&field, v, 2048)?),
            "git_clone_branch" => Value::String(token(&field, v, 256)?),
            "disk_size_gb" => Value::Number(disk_size_gb(&field, v)? as f64),
            "envs" => envs(&field, v)?,
            "post_build_cmd" | "template_app_cmd" => Value::String(text(&field, v, 65_536)?),
            "template_app_cwd" => Value::String(text(&field, v, 4096)?),
            other => return Err(unknown("build_args", other, &BUILD_ARGS_FIELDS)),
        };
        upsert(&mut out, key, checked);
    }
    Ok(Value::Object(out))
}

/// The API silently caps the disk at 3 GB: refusing more is kinder than
/// building a smaller disk than the user asked for.
pub fn disk_size_gb(field: &str, v: &Value) -> Result<i64, ClientError> {
    match integer_in(field, v, 1, 3) {
        Err(e) if matches!(v, Value::Number(n) if n.is_finite() && n.fract() == 0.0 && *n > 3.0) => Err(ClientError::invalid(
            field,
            format!("{} (the API would silently cap it to 3 GB, so larger values are refused)", e.message.strip_prefix(&*format!("{field}: ")).unwrap_or(&e.message)),
        )),
        other => other,
    }
}

/// A package list: a space-separated string, or an array of names. Names may
/// carry version specs (`numpy==2.0`, `left-pad@1`), checked by [`package_name`].
fn package_list(field: &str, v: &Value) -> Result<String, ClientError> {
    match v {
        Value::String(s) => {
            if let Some(c) = s.chars().find(|c| c.is_control() && *c != '\t' && *c != '\n') {
                return Err(ClientError::invalid(field, format!("must not contain control characters (found {})", super::validate::describe_char(c))));
            }
            if s.len() > 65_536 {
                return Err(ClientError::invalid(field, "must be at most 65536 bytes"));
            }
            let names: Vec<&str> = s.split_whitespace().collect();
            for name in &names {
                package_name(field, &Value::String(name.to_string()))?;
            }
            Ok(names.join(" "))
        }
        Value::Array(items) => {
            let mut names = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                names.push(package_name(&format!("{field}[{i}]"), item)?);
            }
            Ok(names.join(" "))
        }
        other => Err(ClientError::invalid(field, format!("must be a space-separated string or an array of package names, got {}", other.type_name()))),
    }
}

/// Characters a shell gives a meaning to: the server runs the package lists
/// in an install command, so a name holding one could run something else.
/// Globs (`*?[]`) stay allowed: pip specs use them (`numpy==2.*`, `pkg[extra]`).
const SHELL_METACHARACTERS: &str = ";&|<>()$`\\\"'{}#";

/// One package name: no whitespace, control or shell metacharacter.
pub fn package_name(field: &str, item: &Value) -> Result<String, ClientError> {
    let Value::String(name) = item else {
        return Err(ClientError::invalid(field, format!("must be a package name string, got {}", item.type_name())));
    };
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ClientError::invalid(field, format!("must be one package name without whitespace, got {}", quote(name))));
    }
    if let Some(c) = name.chars().find(|c| SHELL_METACHARACTERS.contains(*c)) {
        let hint = if matches!(c, '<' | '>') { " (pin versions with == or ~=)" } else { "" };
        return Err(ClientError::invalid(field, format!("must not contain the shell character {}{hint}, got {}", quote(&c.to_string()), quote(name))));
    }
    Ok(name.clone())
}

fn envs(field: &str, v: &Value) -> Result<Value, ClientError> {
    Ok(Value::Object(checked_envs(field, v)?.into_iter().map(|(k, v)| (k, Value::String(v))).collect()))
}

/// `envs`: variable names to string values, in the caller's order.
pub fn checked_envs(field: &str, v: &Value) -> Result<Vec<(String, String)>, ClientError> {
    let Value::Object(members) = v else {
        return Err(ClientError::invalid(field, format!("must be an object of variable names to string values, got {}", v.type_name())));
    };
    let mut out: Vec<(String, String)> = Vec::with_capacity(members.len());
    for (name, value) in members {
        if !is_env_name(name) {
            return Err(ClientError::invalid(field, format!("{} is not a valid variable name (letters, digits and _, not starting with a digit)", quote(name))));
        }
        let f = format!("{field}.{name}");
        let Value::String(s) = value else {
            return Err(ClientError::invalid(&f, format!("must be a string, got {}", value.type_name())));
        };
        let checked = text(&f, &Value::String(s.clone()), 65_536)?;
        match out.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = checked,
            None => out.push((name.clone(), checked)),
        }
    }
    Ok(out)
}

/// Inserts or replaces a member, keeping the first position (JS semantics).
fn upsert(members: &mut Vec<(String, Value)>, key: &str, v: Value) {
    match members.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = v,
        None => members.push((key.to_string(), v)),
    }
}

/// Builds the query string of `snapshots.list({ type, ...query })`: `type` is
/// checked, other keys are forwarded as the official SDK does. Booleans are
/// `true`/`false`. Returns `""` or `?a=b&...`.
pub fn list_query(query: &Value) -> Result<String, ClientError> {
    let members = match query {
        Value::Null => return Ok(String::new()),
        Value::Object(m) => m,
        other => return Err(ClientError::invalid("query", format!("must be an object such as {{ type: 'user' }}, got {}", other.type_name()))),
    };
    only_fields(query, &LIST_FIELDS)?;
    match present(members.iter().find(|(k, _)| k == "type").map(|(_, v)| v)) {
        Some(v) => Ok(format!("?type={}", percent_encode(&one_of("type", v, &SNAPSHOT_TYPES)?))),
        None => Ok(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::{n, obj, s};

    fn with(key: &str, v: Value) -> Value {
        obj(vec![("oci_image", s("docker.io/library/python:3.11-slim")), (key, v)])
    }
    fn args(key: &str, v: Value) -> Value {
        with("build_args", obj(vec![(key, v)]))
    }
    fn field_of(params: Value) -> String {
        create_body(&params).unwrap_err().field.unwrap_or_default()
    }

    #[test]
    fn the_readme_example_builds_the_documented_body() {
        let params = obj(vec![
            ("oci_image", s("docker.io/library/python:3.11-slim")),
            ("name", s("python-3.11-base")),
            ("vcpu_count", n(2.0)),
            ("memory_mb", n(1024.0)),
            ("type", s("user")),
            (
                "build_args",
                obj(vec![
                    ("extra_apt_packages", s("git ffmpeg")),
                    ("extra_pip_packages", Value::Array(vec![s("numpy"), s("pandas")])),
                    ("disk_size_gb", n(3.0)),
                    ("envs", obj(vec![("APP_ENV", s("prod"))])),
                    ("template_app_cmd", s("python app.py")),
                ]),
            ),
        ]);
        assert_eq!(
            create_body(&params).unwrap().to_json(),
            r#"{"oci_image":"docker.io/library/python:3.11-slim","name":"python-3.11-base","vcpu_count":2,"memory_mb":1024,"type":"user","build_args":{"extra_apt_packages":"git ffmpeg","extra_pip_packages":"numpy pandas","disk_size_gb":3,"envs":{"APP_ENV":"prod"},"template_app_cmd":"python app.py"}}"#
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let table: Vec<(Value, &str)> = vec![
            (obj(vec![]), "oci_image"),
            (obj(vec![("oci_image", s(""))]), "oci_image"),
            (obj(vec![("oci_image", n(1.0))]), "oci_image"),
            (obj(vec![("oci_image", s("a b"))]), "oci_image"),
            (with("vcpu_count", n(9.0)), "vcpu_count"),
            (with("vcpu_count", n(0.0)), "vcpu_count"),
            (with("vcpu_count", n(1.5)), "vcpu_count"),
            (with("vcpu_count", n(f64::NAN)), "vcpu_count"),
            (with("vcpu_count", s("2")), "vcpu_count"),
            (with("memory_mb", n(127.0)), "memory_mb"),
            (with("memory_mb", n(8193.0)), "memory_mb"),
            (with("type", s("User")), "type"),
            (with("name", n(3.0)), "name"),
            (with("build_args", s("x")), "build_args"),
            (args("disk_size_gb", n(0.0)), "build_args.disk_size_gb"),
            (args("disk_size_gb", n(2.5)), "build_args.disk_size_gb"),
            (args("extra_pip_packages", Value::Array(vec![s("numpy pandas")])), "build_args.extra_pip_packages[0]"),
            (args("extra_pip_packages", Value::Array(vec![n(1.0)])), "build_args.extra_pip_packages[0]"),
            (args("extra_npm_packages", n(1.0)), "build_args.extra_npm_packages"),
            (args("envs", obj(vec![("1BAD", s("x"))])), "build_args.envs"),
            (args("envs", obj(vec![("OK", n(1.0))])), "build_args.envs.OK"),
            (args("envs", Value::Array(vec![])), "build_args.envs"),
            (args("git_clone_url", s("has space")), "build_args.git_clone_url"),
            (args("post_build_cmd", Value::Bool(true)), "build_args.post_build_cmd"),
            (args("custom", Value::Other("function")), "build_args.custom"),
            (args("extra_pip_package", s("numpy")), "build_args.extra_pip_package"),
            (with("vcpus", n(2.0)), "vcpus"),
            (with("snapshot_type", s("system")), "snapshot_type"),
        ];
        for (params, want) in table {
            assert_eq!(field_of(params.clone()), want, "{params:?}");
        }
        assert!(create_body(&Value::Null).is_err());
    }

    #[test]
    fn oversized_disks_explain_the_silent_cap() {
        let e = create_body(&args("disk_size_gb", n(10.0))).unwrap_err();
        assert!(e.message.contains("cap"), "{}", e.message);
        assert!(e.message.starts_with("build_args.disk_size_gb: must be an integer from 1 to 3"), "{}", e.message);
    }

    #[test]
    fn nulls_are_left_out_and_unknown_keys_are_refused_by_name() {
        let body = create_body(&obj(vec![("oci_image", s("alpine")), ("name", Value::Null)])).unwrap();
        assert_eq!(body.to_json(), r#"{"oci_image":"alpine"}"#);
        let e = create_body(&with("vcpus", n(2.0))).unwrap_err();
        assert_eq!(e.message, "vcpus: unknown key; did you mean vcpu_count?");
        let e = create_body(&with("snapshot_type", s("system"))).unwrap_err();
        assert_eq!(e.message, "snapshot_type: unknown key; did you mean type?");
        let e = create_body(&args("extra_pip_package", s("numpy"))).unwrap_err();
        assert_eq!(e.message, "build_args.extra_pip_package: unknown key; did you mean extra_pip_packages?");
        let body = create_body(&args("template_app_cwd", s("/app"))).unwrap();
        assert!(body.to_json().contains(r#""template_app_cwd":"/app""#));
    }

    #[test]
    fn list_queries() {
        assert_eq!(list_query(&Value::Null).as_deref(), Ok(""));
        assert_eq!(list_query(&obj(vec![("type", s("user"))])).as_deref(), Ok("?type=user"));
        assert_eq!(list_query(&obj(vec![("type", Value::Null)])).as_deref(), Ok(""));
        assert_eq!(list_query(&obj(vec![("type", s("other"))])).unwrap_err().field.as_deref(), Some("type"));
        let e = list_query(&obj(vec![("snapshot_type", s("user"))])).unwrap_err();
        assert_eq!(e.message, "snapshot_type: unknown key; did you mean type?");
        assert!(list_query(&s("user")).is_err());
    }
}
