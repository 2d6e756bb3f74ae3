//! The wire as the core answers it, pinned request by request: which method
//! and path reach which route (405 with `allow`, JSON 404s, `/v1/vms/` apart
//! from `/v1/vms`, empty segments), how ids come out of the path
//! (percent-decoded, invalid escapes kept) and how the query is read (`+` is
//! a space, the last repeat wins). The host hands the core the raw path and
//! query, so this is what the server and `emu.fetch` answer.

mod common;

use instavm_emulator_core::{Response, Settings};
use serde_json::{json, Value};

/// The core on the tests' clock (common::Host), with the key `k`.
struct Emu(common::Host);

impl Emu {
    fn new() -> Emu {
        Emu(common::app(Settings { build_ms: 100, boot_ms: 50, ..Settings::default() }))
    }

    /// One request with the key `k`; `path` may carry `?query`.
    fn send(&self, method: &str, target: &str, body: &str) -> Response {
        let headers = vec![("X-API-Key".to_string(), "k".to_string())];
        let outcome = self.0.start_raw(method, target, headers, body.as_bytes().to_vec());
        self.0.finish(outcome).unwrap_or_else(|| panic!("{method} {target}: reset"))
    }

    fn json(&self, method: &str, target: &str, body: &str) -> (u16, Value) {
        let r = self.send(method, target, body);
        (r.status, r.json())
    }

    fn vm(&self) -> String {
        let (status, v) = self.json("POST", "/v1/vms?wait=true", "{}");
        assert_eq!(status, 201, "{v}");
        v["vm_id"].as_str().unwrap_or_default().to_string()
    }
}

#[test]
fn a_known_path_with_another_method_is_a_405_listing_the_allowed_ones() {
    let emu = Emu::new();
    for (method, path, allow) in [
        ("PUT", "/v1/snapshots", "GET,HEAD,POST"),
        ("get", "/v1/snapshots", "GET,HEAD,POST"),
        ("PATCH", "/v1/snapshots/x", "GET,HEAD,DELETE"),
        ("PUT", "/v1/vms", "GET,HEAD,POST"),
        ("POST", "/v1/vms/", "GET,HEAD"),
        ("POST", "/v1/vms/x", "GET,HEAD,PATCH,DELETE"),
        ("GET", "/v1/vms/x/snapshot", "POST"),
        ("HEAD", "/v1/vms/x/clone", "POST"),
        ("DELETE", "/v1/vms/x/suspend", "POST"),
        ("GET", "/v1/vms/x/resume", "POST"),
        ("GET", "/v1/vms/x/stage-env", "POST"),
        ("PUT", "/v1/vms/x/volumes", "GET,HEAD,POST"),
        ("GET", "/v1/vms/x/volumes/y", "DELETE"),
        ("POST", "/_emulator/requests", "GET,HEAD"),
    ] {
        let r = emu.send(method, path, "");
        assert_eq!((r.status, r.header("allow")), (405, Some(allow)), "{method} {path}");
        assert_eq!(r.json(), json!({ "detail": "Method Not Allowed" }), "{method} {path}");
    }
}

#[test]
fn paths_no_route_takes_are_a_json_404() {
    let emu = Emu::new();
    for path in [
        "",
        "/",
        "/v1",
        "/v2/nothing",
        "v1/vms",
        "/v1//vms",
        "/v1/snapshots/",
        "/v1/vms/x/",
        "/v1/vms//suspend",
        "/v1/vms//volumes/y",
        "/v1/vms/x/volumes/",
        "/v1/vms/x/volumes/y/z",
        "/v1/VMS",
        "/v1/%76ms",
        "/_emulator/requests/",
    ] {
        for method in ["GET", "POST", "HEAD"] {
            let r = emu.send(method, path, "");
            assert_eq!(r.status, 404, "{method} {path:?}");
            assert_eq!(r.header("allow"), None, "{method} {path:?}");
            assert_eq!(r.header("content-type"), Some("application/json"), "{method} {path:?}");
            assert_eq!(r.body, br#"{"detail":"Not Found"}"#, "{method} {path:?}");
        }
    }
}

#[test]
fn the_list_with_a_trailing_slash_is_a_route_of_its_own() {
    let emu = Emu::new();
    let id = emu.vm();
    assert_eq!(emu.json("DELETE", &format!("/v1/vms/{id}"), "").0, 200);
    assert_eq!(emu.json("GET", "/v1/vms", ""), (200, json!([])));
    let (status, all) = emu.json("GET", "/v1/vms/", "");
    assert_eq!((status, all[0]["status"].clone()), (200, json!("terminated")));
}

#[test]
fn ids_are_percent_decoded_segments_and_invalid_escapes_stay_as_sent() {
    let emu = Emu::new();
    for (segment, id) in [
        ("a%2Fb", "a/b"),
        ("x+y", "x+y"),
        ("%C3%A9t%C3%A9", "été"),
        ("%zz", "%zz"),
        ("%", "%"),
        ("%a", "%a"),
        ("100%25", "100%"),
        ("%FF", "\u{FFFD}"),
        ("%2e%2E", ".."),
    ] {
        let (status, v) = emu.json("GET", &format!("/v1/snapshots/{segment}"), "");
        assert_eq!((status, v["detail"].as_str()), (404, Some(format!("Snapshot '{id}' not found").as_str())), "{segment}");
        let (status, v) = emu.json("POST", &format!("/v1/vms/{segment}/suspend"), "");
        assert_eq!((status, v["detail"].as_str()), (404, Some(format!("VM '{id}' not found").as_str())), "{segment}");
    }
    // The second segment of a route is decoded too.
    let id = emu.vm();
    let volumes = format!("/v1/vms/{id}/volumes");
    assert_eq!(emu.json("POST", &volumes, r#"{"volume_id":"v 1","mount_path":"/data"}"#).0, 201);
    assert_eq!(emu.json("DELETE", &format!("{volumes}/v+1?mount_path=/data"), "").0, 404);
    assert_eq!(emu.json("DELETE", &format!("{volumes}/v%201?mount_path=/data"), "").0, 200);
}

#[test]
fn queries_are_form_decoded_and_the_last_repeat_wins() {
    let emu = Emu::new();
    let status_of = |target: &str| emu.json("POST", target, "{}").1["status"].clone();
    assert_eq!(status_of("/v1/vms?wait=true"), "active");
    assert_eq!(status_of("/v1/vms?wait=tru%65"), "active");
    assert_eq!(status_of("/v1/vms?wai%74=true"), "active");
    assert_eq!(status_of("/v1/vms?&&wait=true&&"), "active");
    assert_eq!(status_of("/v1/vms?wait=false&wait=true"), "active");
    assert_eq!(status_of("/v1/vms?wait=true&wait=false"), "creating");
    // A boolean as the API's validation reads one, case aside; anything else is a 422.
    assert_eq!(status_of("/v1/vms?wait=True"), "active");
    assert_eq!(status_of("/v1/vms?wait=0"), "creating");
    for target in ["/v1/vms?wait", "/v1/vms?wait=true=1", "/v1/vms?wait=abc"] {
        assert_eq!(emu.json("POST", target, "{}").0, 422, "{target}");
    }

    assert_eq!(emu.json("POST", "/v1/snapshots", r#"{"oci_image":"alpine"}"#).0, 201);
    for (query, status) in [("type=us%65r", 200), ("type=user&type=x", 422), ("type=x&type=user", 200), ("type=+user", 422), ("type=", 422), ("type", 422), ("%74ype=system", 200)] {
        assert_eq!(emu.json("GET", &format!("/v1/snapshots?{query}"), "").0, status, "{query}");
    }
    assert_eq!(emu.json("GET", "/v1/snapshots?type=us%65r", "").1.as_array().map(Vec::len), Some(1));

    let id = emu.vm();
    let volumes = format!("/v1/vms/{id}/volumes");
    assert_eq!(emu.json("POST", &volumes, r#"{"volume_id":"v","mount_path":"/my data"}"#).0, 201);
    assert_eq!(emu.json("DELETE", &format!("{volumes}/v?mount_path=%2Fmy%2Bdata"), "").0, 404);
    assert_eq!(emu.json("DELETE", &format!("{volumes}/v?mount_path=/my+data"), "").0, 200);
}

#[test]
fn head_is_a_get_without_the_body_when_the_route_answers() {
    let emu = Emu::new();
    let get = emu.send("GET", "/v1/snapshots", "");
    let head = emu.send("HEAD", "/v1/snapshots", "");
    assert_eq!((head.status, head.header("content-type"), head.body.len()), (200, Some("application/json"), 0));
    assert_eq!(get.body, b"[]");
    // A refusal from the route keeps its body, as it does today.
    let missing = emu.send("HEAD", "/v1/vms/vm_missing", "");
    assert_eq!((missing.status, missing.json()), (404, json!({ "detail": "VM 'vm_missing' not found" })));
}

#[test]
fn every_typed_field_of_a_vm_body_is_checked_and_a_refusal_names_it() {
    let emu = Emu::new();
    let id = emu.vm();
    let cases: &[(&str, String, &str, &str)] = &[
        ("POST", "/v1/vms".into(), r#"{"auto_suspend":"yes"}"#, "auto_suspend"),
        ("POST", "/v1/vms".into(), r#"{"volumes":"x"}"#, "volumes"),
        ("POST", "/v1/vms".into(), r#"{"session_id":5}"#, "session_id"),
        ("POST", "/v1/vms".into(), r#"{"egress_policy":7}"#, "egress_policy"),
        ("POST", "/v1/vms".into(), r#"{"egress_policy":{"allow_http":"no"}}"#, "allow_http"),
        ("POST", "/v1/vms".into(), r#"{"vault_ids":"v"}"#, "vault_ids"),
        ("POST", "/v1/vms".into(), r#"{"vault_ids":[1]}"#, "0"),
        ("POST", "/v1/vms".into(), r#"{"vcpu_count":null}"#, "vcpu_count"),
        ("POST", "/v1/vms".into(), r#"{"snapshot_name":5}"#, "snapshot_name"),
        ("PATCH", format!("/v1/vms/{id}"), r#"{"auto_resume":{}}"#, "auto_resume"),
        ("PATCH", format!("/v1/vms/{id}"), r#"{"memory_mb":null}"#, "memory_mb"),
        ("PATCH", format!("/v1/vms/{id}"), r#"{"snapshot_on_terminate":"y"}"#, "snapshot_on_terminate"),
        ("POST", format!("/v1/vms/{id}/snapshot"), r#"{"name":5}"#, "name"),
        ("POST", format!("/v1/vms/{id}/clone"), r#"{"snapshot_name":5}"#, "snapshot_name"),
        ("POST", format!("/v1/vms/{id}/volumes"), r#"{"volume_id":"v","mount_path":"/n","mode":"ro","checkpoint_id":7}"#, "checkpoint_id"),
        ("POST", format!("/v1/vms/{id}/volumes"), r#"{"volume_id":"v","mount_path":"/n","mode":1}"#, "mode"),
        ("POST", format!("/v1/vms/{id}/volumes"), r#"{"volume_id":"v","mount_path":"/n","mode":"ro","checkpoint_id":null}"#, "checkpoint_id"),
        ("POST", format!("/v1/vms/{id}/volumes?wait=abc"), r#"{"volume_id":"v","mount_path":"/n"}"#, "wait"),
        ("DELETE", format!("/v1/vms/{id}/volumes/v"), "", "mount_path"),
    ];
    for (method, target, body, field) in cases {
        let (status, v) = emu.json(method, target, body);
        let locs: Vec<String> = v["detail"].as_array().map(|d| d.iter().map(|p| p["loc"].to_string()).collect()).unwrap_or_default();
        assert_eq!(status, 422, "{method} {target} {body}: {v}");
        assert!(locs.iter().any(|l| l.contains(&format!("\"{field}\""))), "{method} {target} {body}: {locs:?}");
    }
    // Nothing refused was stored or made.
    let (_, vm) = emu.json("GET", &format!("/v1/vms/{id}"), "");
    assert!(vm.get("auto_resume").is_none_or(serde_json::Value::is_boolean), "{vm}");
    assert_eq!(emu.json("POST", &format!("/v1/vms/{id}/snapshot?wait=abc"), r#"{"name":"refused"}"#).0, 422);
    let (_, snapshots) = emu.json("GET", "/v1/snapshots", "");
    assert_eq!(snapshots.as_array().map(Vec::len), Some(0), "a refused snapshot call made nothing: {snapshots}");
    // One item per problem: a null object is refused once.
    let (_, v) = emu.json("POST", "/v1/vms", r#"{"metadata":null,"egress_policy":null}"#);
    assert_eq!(v["detail"].as_array().map(Vec::len), Some(2), "{v}");
}

#[test]
fn whole_numbers_in_a_vm_body_are_stored_as_integers() {
    let emu = Emu::new();
    let (status, vm) = emu.json("POST", "/v1/vms", r#"{"vm_lifetime_seconds":7200.0,"memory_mb":1024.0,"vcpu_count":2.0}"#);
    assert_eq!(status, 201, "{vm}");
    assert_eq!((vm["vm_lifetime_seconds"].as_i64(), vm["memory_mb"].as_i64(), vm["vcpu_count"].as_i64()), (Some(7200), Some(1024), Some(2)), "{vm}");
    let id = vm["vm_id"].as_str().unwrap_or_default();
    assert_eq!(emu.json("PATCH", &format!("/v1/vms/{id}"), r#"{"memory_mb":2048.0}"#).0, 200);
    assert_eq!(emu.json("GET", &format!("/v1/vms/{id}"), "").1["memory_mb"].as_i64(), Some(2048));
}

#[test]
fn whole_numbers_are_integers_however_they_are_spelled() {
    let emu = Emu::new();
    let (status, v) = emu.json("POST", "/v1/snapshots", r#"{"oci_image":"alpine","vcpu_count":2.0,"build_args":{"disk_size_gb":9223372036854775808}}"#);
    assert_eq!(status, 201, "{v}");
    assert_eq!((v["vcpu_count"].as_i64(), v["build_args"]["disk_size_gb"].as_i64()), (Some(2), Some(3)));
    assert_eq!(emu.json("POST", "/v1/snapshots", r#"{"oci_image":"alpine","vcpu_count":2.5}"#).0, 422);
}
