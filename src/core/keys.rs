//! Which keys an options or params object may hold, and what to say about a
//! key it may not: a typo (`vcpus`, `baseURL`, `build_args.extra_pip_package`)
//! is refused by name, with the key that was probably meant, before anything
//! is sent. A key the API has but the client does not know yet goes through
//! the per-call `extraBody` / `extraQuery` options instead (see
//! [`merge_extra_body`] and [`extra_query`]).

use super::error::ClientError;
use super::path::percent_encode;
use super::validate::{json_compatible, quote};
use super::value::Value;

/// Names people reach for that are spelled differently here: other SDKs'
/// parameters, the record's own field names, natural English. Each maps to
/// the key it most likely means, suggested only where that key is allowed.
const ALIASES: &[(&str, &str)] = &[
    ("vcpus", "vcpu_count"),
    ("vcpu", "vcpu_count"),
    ("cpus", "vcpu_count"),
    ("cpu", "vcpu_count"),
    ("cpu_count", "vcpu_count"),
    ("memory", "memory_mb"),
    ("mem", "memory_mb"),
    ("ram", "memory_mb"),
    ("memory_mib", "memory_mb"),
    ("snapshot_type", "type"),
    ("kind", "type"),
    ("image", "oci_image"),
    ("image_name", "oci_image"),
    ("from_image", "oci_image"),
    ("disk", "disk_size_gb"),
    ("disk_gb", "disk_size_gb"),
    ("disk_size", "disk_size_gb"),
    ("env", "envs"),
    ("env_vars", "envs"),
    ("environment", "envs"),
    ("apt_packages", "extra_apt_packages"),
    ("pip_packages", "extra_pip_packages"),
    ("npm_packages", "extra_npm_packages"),
    ("git_url", "git_clone_url"),
    ("git_branch", "git_clone_branch"),
    ("branch", "git_clone_branch"),
    ("post_build", "post_build_cmd"),
    ("timeout", "timeoutMs"),
    ("key", "apiKey"),
    ("token", "apiKey"),
    ("url", "baseUrl"),
    ("endpoint", "baseUrl"),
    ("retries", "maxRetries"),
    ("lifetime", "vm_lifetime_seconds"),
    ("ttl", "vm_lifetime_seconds"),
    ("path", "mount_path"),
    ("name", "snapshot_name"),
    ("snapshot_name", "name"),
    ("abortSignal", "signal"),
    ("onProgress", "onStatus"),
    ("body", "extraBody"),
    ("query", "extraQuery"),
];

/// Refuses the first key of object `v` that is not in `known`. `path` is
/// where the object sits (`""` at the top, `build_args`, `volumes[0]`); the
/// error's `field` is the key's full path. Anything but an object passes:
/// the shape is the caller's check.
pub fn only_known(path: &str, v: &Value, known: &[&str]) -> Result<(), ClientError> {
    let Value::Object(members) = v else { return Ok(()) };
    match members.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        Some((key, _)) => Err(unknown(path, key, known)),
        None => Ok(()),
    }
}

/// The per-call options most often put in a request's body or query instead
/// of the options argument that follows it.
const CALL_OPTIONS: [&str; 6] = ["signal", "timeoutMs", "maxRetries", "wait", "extraBody", "extraQuery"];

/// As [`only_known`], for a request's body or query (its top level): a call
/// option found there is refused with where it goes instead.
pub fn only_fields(v: &Value, known: &[&str]) -> Result<(), ClientError> {
    only_known("", v, known).map_err(|e| match e.field.as_deref() {
        Some(key) if CALL_OPTIONS.contains(&key) => ClientError::invalid(key, "a call option, not a field: pass it in the options argument after this one"),
        _ => e,
    })
}

/// The refusal of `key`, suggesting the nearest known key when one is near.
pub fn unknown(path: &str, key: &str, known: &[&str]) -> ClientError {
    let field = if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    let problem = match nearest(key, known) {
        Some(meant) => format!("unknown key; did you mean {meant}?"),
        None => format!("unknown key; the known ones are {}", known.join(", ")),
    };
    ClientError::invalid(&field, problem)
}

/// The known key a mistyped `key` most likely means: an alias, the same
/// letters in another case or separator style, or a small edit away.
pub fn nearest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let allowed = |meant: &str| known.iter().copied().find(|k| *k == meant);
    let folded = fold(key);
    if let Some(meant) = ALIASES.iter().filter(|(a, _)| fold(a) == folded).find_map(|(_, m)| allowed(m)) {
        return Some(meant);
    }
    if let Some(same) = known.iter().copied().find(|k| fold(k) == folded) {
        return Some(same);
    }
    // Within a quarter of the length (at least one edit; two neighbours
    // swapped count as one): close enough to be a slip of the keyboard, far
    // enough not to suggest nonsense.
    let budget = (folded.len() / 4).max(1);
    known
        .iter()
        .copied()
        .map(|k| (strsim::osa_distance(&folded, &fold(k)), k))
        .filter(|(d, _)| *d <= budget)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Lowercase without `_` and `-`: `baseURL`, `base_url` and `baseUrl` fold
/// alike. ASCII only: every known key is ASCII, and Unicode case tables
/// would cost the download more than the rest of this module.
fn fold(key: &str) -> String {
    key.chars().filter(|c| *c != '_' && *c != '-').map(|c| c.to_ascii_lowercase()).collect()
}

/// `extraBody`: JSON merged into the checked request body, unchecked, for
/// fields the API has and the client does not know yet. Objects merge key by
/// key (so `{ build_args: { new_flag: true } }` adds one build argument);
/// anything else replaces what was there.
pub fn merge_extra_body(body: &mut Value, extra: &Value) -> Result<(), ClientError> {
    let Value::Object(_) = extra else {
        return Err(ClientError::invalid("extraBody", format!("must be an object of fields to add to the request body, got {}", extra.type_name())));
    };
    json_compatible("extraBody", extra)?;
    merge(body, extra);
    Ok(())
}

fn merge(into: &mut Value, extra: &Value) {
    match (into, extra) {
        (Value::Object(have), Value::Object(add)) => {
            for (k, v) in add {
                match have.iter_mut().find(|(h, _)| h == k) {
                    Some((_, slot)) => merge(slot, v),
                    None => have.push((k.clone(), v.clone())),
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// `extraQuery`: query parameters the client does not know yet, as
/// `&name=value` pairs to append (percent-encoded; booleans as `true`/`false`).
pub fn extra_query(extra: &Value) -> Result<String, ClientError> {
    let Value::Object(members) = extra else {
        return Err(ClientError::invalid("extraQuery", format!("must be an object of query parameters, got {}", extra.type_name())));
    };
    let mut out = String::new();
    for (name, v) in members {
        let value = match v {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) if n.is_finite() => super::validate::show_number(*n),
            other => {
                return Err(ClientError::invalid(&format!("extraQuery.{name}"), format!("must be a string, number or boolean, got {}", other.type_name())));
            }
        };
        if name.is_empty() {
            return Err(ClientError::invalid("extraQuery", format!("{} is not a query parameter name", quote(name))));
        }
        out.push('&');
        out.push_str(&percent_encode(name));
        out.push('=');
        out.push_str(&percent_encode(&value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::{n, obj, s};

    #[test]
    fn the_issues_typos_get_their_intended_key() {
        let client = ["apiKey", "baseUrl", "timeoutMs", "maxRetries", "fetch", "headers"];
        assert_eq!(nearest("baseURL", &client), Some("baseUrl"));
        assert_eq!(nearest("base_url", &client), Some("baseUrl"));
        assert_eq!(nearest("api_key", &client), Some("apiKey"));
        assert_eq!(nearest("timeout", &client), Some("timeoutMs"));
        let create = ["oci_image", "name", "vcpu_count", "memory_mb", "type", "build_args"];
        assert_eq!(nearest("vcpus", &create), Some("vcpu_count"));
        assert_eq!(nearest("snapshot_type", &create), Some("type"));
        assert_eq!(nearest("ociImage", &create), Some("oci_image"));
        assert_eq!(nearest("memory_md", &create), Some("memory_mb"));
        assert_eq!(nearest("nmae", &create), Some("name"));
        let build = ["extra_apt_packages", "extra_pip_packages", "extra_npm_packages", "envs"];
        assert_eq!(nearest("extra_pip_package", &build), Some("extra_pip_packages"));
        assert_eq!(nearest("env", &build), Some("envs"));
        let wait = ["signal", "timeoutMs", "pollIntervalMs", "maxPollIntervalMs", "onStatus"];
        assert_eq!(nearest("pollIntervalMS", &wait), Some("pollIntervalMs"));
        assert_eq!(nearest("poll_interval_ms", &wait), Some("pollIntervalMs"));
    }

    #[test]
    fn nothing_is_suggested_when_nothing_is_near_or_the_alias_is_not_allowed_here() {
        assert_eq!(nearest("colour", &["oci_image", "name"]), None);
        // `vcpus` means vcpu_count, which an update does not take.
        assert_eq!(nearest("vcpus", &["memory_mb", "auto_suspend"]), None);
        assert_eq!(nearest("x", &["y"]), Some("y"));
        assert_eq!(nearest("xyz", &["abc"]), None);
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_path() {
        let e = only_known("build_args", &obj(vec![("extra_pip_package", s("numpy"))]), &["extra_pip_packages"]).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("build_args.extra_pip_package"));
        assert_eq!(e.message, "build_args.extra_pip_package: unknown key; did you mean extra_pip_packages?");
        let e = only_known("", &obj(vec![("name", s("a")), ("colour", s("red"))]), &["name", "type"]).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("colour"));
        assert_eq!(e.message, "colour: unknown key; the known ones are name, type");
        assert!(only_known("", &obj(vec![("name", s("a"))]), &["name"]).is_ok());
    }

    #[test]
    fn a_call_option_in_the_body_or_query_is_pointed_to_the_options_argument() {
        let e = only_fields(&obj(vec![("signal", obj(vec![]))]), &["type"]).unwrap_err();
        assert_eq!(e.message, "signal: a call option, not a field: pass it in the options argument after this one");
        assert_eq!(e.field.as_deref(), Some("signal"));
        let e = only_fields(&obj(vec![("colour", s("red"))]), &["type"]).unwrap_err();
        assert_eq!(e.message, "colour: unknown key; the known ones are type");
        assert!(only_fields(&obj(vec![("type", s("user"))]), &["type"]).is_ok());
        assert!(only_known("", &s("not an object"), &["name"]).is_ok());
    }

    #[test]
    fn extra_body_merges_objects_and_replaces_the_rest() {
        let mut body = obj(vec![("oci_image", s("alpine")), ("build_args", obj(vec![("disk_size_gb", n(2.0))]))]);
        let extra = obj(vec![("build_args", obj(vec![("new_flag", Value::Bool(true))])), ("priority", s("high"))]);
        merge_extra_body(&mut body, &extra).unwrap();
        assert_eq!(body.to_json(), r#"{"oci_image":"alpine","build_args":{"disk_size_gb":2,"new_flag":true},"priority":"high"}"#);
        assert_eq!(merge_extra_body(&mut body, &s("x")).unwrap_err().field.as_deref(), Some("extraBody"));
        assert_eq!(merge_extra_body(&mut body, &obj(vec![("f", Value::Other("function"))])).unwrap_err().field.as_deref(), Some("extraBody.f"));
    }

    #[test]
    fn extra_query_encodes_pairs() {
        let q = extra_query(&obj(vec![("owner", s("a b")), ("limit", n(5.0)), ("public", Value::Bool(true)), ("skip", Value::Null)])).unwrap();
        assert_eq!(q, "&owner=a%20b&limit=5&public=true");
        assert_eq!(extra_query(&obj(vec![("o", obj(vec![]))])).unwrap_err().field.as_deref(), Some("extraQuery.o"));
        assert_eq!(extra_query(&s("x")).unwrap_err().field.as_deref(), Some("extraQuery"));
    }
}
