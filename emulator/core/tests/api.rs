//! The emulator's routes, driven through the core as its host drives it: every snapshot endpoint and the
//! errors the API answers on them.

mod common;

use common::{app, Headers, Host, StatusCode};
use instavm_emulator_core::Settings;
use serde_json::{json, Value};

struct Api(Host);

impl Api {
    fn new(build_ms: u64) -> Self {
        Api(app(Settings { build_ms, boot_ms: 50, ..Settings::default() }))
    }

    /// Status (500 for no answer), body and headers.
    fn send(&self, method: &str, uri: &str, key: Option<&str>, body: Option<Value>, extra: &[(&str, &str)]) -> (u16, Value, Headers) {
        let answer = common::send(&self.0, method, uri, key, body, extra);
        (answer.status.unwrap_or(500), answer.json, answer.headers)
    }

    fn create(&self, key: &str, body: Value) -> (u16, Value) {
        let (s, v, _) = self.send("POST", "/v1/snapshots", Some(key), Some(body), &[]);
        (s, v)
    }
}

#[test]
fn create_answers_201_with_both_id_and_type_fields_in_pending() {
    let api = Api::new(10_000);
    let (status, v) = api.create("k", json!({ "oci_image": "docker.io/library/python:3.11-slim", "name": "py", "type": "system" }));
    assert_eq!(status, StatusCode::CREATED);
    assert!(v["id"].as_str().unwrap_or("").starts_with("snap_"));
    assert_eq!(v["id"], v["snapshot_id"]);
    assert_eq!(v["type"], "system");
    assert_eq!(v["snapshot_type"], "system");
    assert_eq!(v["status"], "pending");
    assert_eq!(v["vcpu_count"], 2);
    assert_eq!(v["memory_mb"], 512);
    assert!(v["created_at"].as_str().unwrap_or("").ends_with('Z'));
    assert_eq!(v["size_bytes"], Value::Null);
}

#[test]
fn builds_go_pending_building_ready_over_build_ms() {
    // Pending for the first quarter (0..100 ms), building until 400 ms.
    let api = Api::new(400);
    let (_, v) = api.create("k", json!({ "oci_image": "alpine" }));
    let uri = format!("/v1/snapshots/{}", v["id"].as_str().unwrap_or(""));
    api.0.pause(200);
    let (_, v, _) = api.send("GET", &uri, Some("k"), None, &[]);
    assert_eq!(v["status"], "building");
    api.0.pause(250);
    let (_, v, _) = api.send("GET", &uri, Some("k"), None, &[]);
    assert_eq!(v["status"], "ready");
    assert!(v["size_bytes"].as_u64().unwrap_or(0) > 0);
    assert_eq!(v["last_error"], Value::Null);
}

#[test]
fn invalid_registries_and_failing_post_build_commands_fail_with_last_error() {
    let api = Api::new(1);
    let (_, a) = api.create("k", json!({ "oci_image": "nowhere.invalid/app:1" }));
    let (_, b) = api.create("k", json!({ "oci_image": "alpine", "build_args": { "post_build_cmd": "exit 3" } }));
    api.0.pause(10);
    for (snap, needle) in [(a, "could not be resolved"), (b, "status 3")] {
        let (_, v, _) = api.send("GET", &format!("/v1/snapshots/{}", snap["id"].as_str().unwrap_or("")), Some("k"), None, &[]);
        assert_eq!(v["status"], "failed");
        assert!(v["last_error"].as_str().unwrap_or("").contains(needle), "{v}");
        assert_eq!(v["error"], v["last_error"]);
    }
}

#[test]
fn invalid_fields_get_a_fastapi_422() {
    let api = Api::new(1);
    for (body, loc) in [
        (json!({}), json!(["body", "oci_image"])),
        (json!({ "oci_image": "Not A Ref" }), json!(["body", "oci_image"])),
        (json!({ "oci_image": "alpine", "vcpu_count": 9 }), json!(["body", "vcpu_count"])),
        (json!({ "oci_image": "alpine", "memory_mb": "big" }), json!(["body", "memory_mb"])),
        (json!({ "oci_image": "alpine", "type": "shared" }), json!(["body", "type"])),
        (json!({ "oci_image": "alpine", "build_args": { "disk_size_gb": 0 } }), json!(["body", "build_args", "disk_size_gb"])),
        (json!({ "oci_image": "alpine", "build_args": { "extra_pip_packages": ["a"] } }), json!(["body", "build_args", "extra_pip_packages"])),
        (json!([1]), json!(["body"])),
    ] {
        let (status, v) = api.create("k", body.clone());
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(v["detail"][0]["loc"], loc, "{body}");
        assert!(v["detail"][0]["msg"].is_string());
    }
    let (status, v, _) = api.send("POST", "/v1/snapshots", Some("k"), None, &[]);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["detail"][0]["type"], "json_invalid");
}

#[test]
fn disks_above_three_are_capped_not_refused() {
    let api = Api::new(1);
    let (status, v) = api.create("k", json!({ "oci_image": "alpine", "build_args": { "disk_size_gb": 10 } }));
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(v["build_args"]["disk_size_gb"], 3);
}

#[test]
fn list_is_a_bare_array_filtered_by_type_in_creation_order() {
    let api = Api::new(1);
    let (_, a) = api.create("k", json!({ "oci_image": "alpine" }));
    let (_, b) = api.create("k", json!({ "oci_image": "alpine", "type": "system" }));
    let (_, c) = api.create("k", json!({ "oci_image": "alpine" }));
    let (_, all, _) = api.send("GET", "/v1/snapshots", Some("k"), None, &[]);
    let ids: Vec<&Value> = all.as_array().map(|a| a.iter().map(|s| &s["id"]).collect()).unwrap_or_default();
    assert_eq!(ids, vec![&a["id"], &b["id"], &c["id"]]);
    let (_, user, _) = api.send("GET", "/v1/snapshots?type=user", Some("k"), None, &[]);
    assert_eq!(user.as_array().map(Vec::len), Some(2));
    let (_, system, _) = api.send("GET", "/v1/snapshots?type=system", Some("k"), None, &[]);
    assert_eq!(system[0]["id"], b["id"]);
    let (status, v, _) = api.send("GET", "/v1/snapshots?type=bogus", Some("k"), None, &[]);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["detail"][0]["loc"], json!(["query", "type"]));
}

#[test]
fn delete_removes_and_unknown_ids_are_404_with_detail() {
    let api = Api::new(1);
    let (_, s) = api.create("k", json!({ "oci_image": "alpine" }));
    let uri = format!("/v1/snapshots/{}", s["id"].as_str().unwrap_or(""));
    let (status, _, _) = api.send("DELETE", &uri, Some("k"), None, &[]);
    assert_eq!(status, StatusCode::OK);
    for method in ["GET", "DELETE"] {
        let (status, v, _) = api.send(method, &uri, Some("k"), None, &[]);
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(v["detail"].as_str().unwrap_or("").contains("not found"));
    }
}

#[test]
fn keys_are_required_and_isolated() {
    let api = Api::new(1);
    let (status, v, _) = api.send("GET", "/v1/snapshots", None, None, &[]);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(v["detail"].is_string());
    let (status, _, _) = api.send("GET", "/v1/snapshots", Some(""), None, &[]);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, s) = api.create("alice", json!({ "oci_image": "alpine" }));
    let uri = format!("/v1/snapshots/{}", s["id"].as_str().unwrap_or(""));
    let (status, _, _) = api.send("GET", &uri, Some("bob"), None, &[]);
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list, _) = api.send("GET", "/v1/snapshots", Some("bob"), None, &[]);
    assert_eq!(list, json!([]));
}

#[test]
fn idempotency_keys_replay_the_same_snapshot_or_conflict_when_switched_on() {
    let api = Api(app(Settings { build_ms: 1, idempotency: true, ..Settings::default() }));
    let body = json!({ "oci_image": "alpine" });
    let idem = [("idempotency-key", "key-1")];
    let (s1, a, _) = api.send("POST", "/v1/snapshots", Some("k"), Some(body.clone()), &idem);
    let (s2, b, _) = api.send("POST", "/v1/snapshots", Some("k"), Some(body), &idem);
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(a["id"], b["id"]);
    let (_, list, _) = api.send("GET", "/v1/snapshots", Some("k"), None, &[]);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let (s3, v, _) = api.send("POST", "/v1/snapshots", Some("k"), Some(json!({ "oci_image": "ubuntu" })), &idem);
    assert_eq!(s3, StatusCode::CONFLICT);
    assert!(v["detail"].is_string());
}

#[test]
fn by_default_an_idempotency_key_is_ignored_as_the_documented_api_ignores_it() {
    let api = Api::new(1);
    let body = json!({ "oci_image": "alpine" });
    let idem = [("idempotency-key", "key-1")];
    let (_, a, first) = api.send("POST", "/v1/snapshots", Some("k"), Some(body.clone()), &idem);
    let (_, b, second) = api.send("POST", "/v1/snapshots", Some("k"), Some(body), &idem);
    assert_ne!(a["id"], b["id"], "the same key made a second snapshot");
    assert!(first.get("idempotent-replayed").is_none() && second.get("idempotent-replayed").is_none());
    let (s3, _, _) = api.send("POST", "/v1/snapshots", Some("k"), Some(json!({ "oci_image": "ubuntu" })), &idem);
    assert_eq!(s3, StatusCode::CREATED, "another body under the same key is no conflict either");
    let (_, list, _) = api.send("GET", "/v1/snapshots", Some("k"), None, &[]);
    assert_eq!(list.as_array().map(Vec::len), Some(3));
}

#[test]
fn ids_are_decoded_path_segments_with_encoded_slashes_inside() {
    let api = Api::new(1);
    let (status, v, _) = api.send("GET", "/v1/snapshots/a%2Fb", Some("k"), None, &[]);
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(v["detail"].as_str().unwrap_or("").contains("'a/b'"), "{v}");
}

#[test]
fn every_response_has_a_request_id_and_cors_preflight_allows_the_headers() {
    let api = Api::new(1);
    let (status, _, r) = api.send("GET", "/nope", Some("k"), None, &[]);
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(r.get("x-request-id").is_some());
    let (status, _, r) = api
        .send(
            "OPTIONS",
            "/v1/snapshots",
            None,
            None,
            &[
                ("origin", "http://127.0.0.1:5173"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "x-api-key,content-type,idempotency-key"),
            ],
        )
        ;
    assert!((200..300).contains(&status));
    let h = &r;
    assert_eq!(h.get("access-control-allow-origin"), Some("*"));
    let allowed = h.get("access-control-allow-headers").unwrap_or("").to_ascii_lowercase();
    for name in ["x-api-key", "content-type", "idempotency-key"] {
        assert!(allowed.contains(name), "{allowed}");
    }
    let (_, _, r) = api.send("GET", "/v1/snapshots", Some("k"), None, &[("origin", "http://x")]);
    let exposed = r.get("access-control-expose-headers").unwrap_or("").to_ascii_lowercase();
    assert!(exposed.contains("retry-after") && exposed.contains("x-request-id"), "{exposed}");
}

#[test]
fn the_request_log_shows_only_the_callers_requests() {
    let api = Api::new(1);
    api.create("a", json!({ "oci_image": "alpine" }));
    api.send("GET", "/v1/snapshots", Some("b"), None, &[]);
    let (_, log, _) = api.send("GET", "/_emulator/requests", Some("a"), None, &[]);
    assert_eq!(log["count"], 1);
    assert_eq!(log["requests"][0]["method"], "POST");
    assert_eq!(log["requests"][0]["path"], "/v1/snapshots");
}
