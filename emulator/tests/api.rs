//! The emulator's routes, driven in-process: every snapshot endpoint and the
//! errors the API answers on them.

mod common;

use axum::body::Body;
use axum::http::{Response, StatusCode};
use instavm_emulator::{app, Settings};
use serde_json::{json, Value};

struct Api(axum::Router);

impl Api {
    fn new(build_ms: u64) -> Self {
        Api(app(Settings { build_ms, boot_ms: 50, ..Settings::default() }))
    }

    async fn send(&self, method: &str, uri: &str, key: Option<&str>, body: Option<Value>, extra: &[(&str, &str)]) -> (StatusCode, Value, Response<Body>) {
        let answer = common::send(&self.0, method, uri, key, body, extra).await;
        let status = answer.status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = Response::new(Body::empty());
        *response.status_mut() = status;
        *response.headers_mut() = answer.headers;
        (status, answer.json, response)
    }

    async fn create(&self, key: &str, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self.send("POST", "/v1/snapshots", Some(key), Some(body), &[]).await;
        (s, v)
    }
}

#[tokio::test]
async fn create_answers_201_with_both_id_and_type_fields_in_pending() {
    let api = Api::new(10_000);
    let (status, v) = api.create("k", json!({ "oci_image": "docker.io/library/python:3.11-slim", "name": "py", "type": "system" })).await;
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

#[tokio::test]
async fn builds_go_pending_building_ready_over_build_ms() {
    // Pending for the first quarter (0..100 ms), building until 400 ms.
    let api = Api::new(400);
    let (_, v) = api.create("k", json!({ "oci_image": "alpine" })).await;
    let uri = format!("/v1/snapshots/{}", v["id"].as_str().unwrap_or(""));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (_, v, _) = api.send("GET", &uri, Some("k"), None, &[]).await;
    assert_eq!(v["status"], "building");
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    let (_, v, _) = api.send("GET", &uri, Some("k"), None, &[]).await;
    assert_eq!(v["status"], "ready");
    assert!(v["size_bytes"].as_u64().unwrap_or(0) > 0);
    assert_eq!(v["last_error"], Value::Null);
}

#[tokio::test]
async fn invalid_registries_and_failing_post_build_commands_fail_with_last_error() {
    let api = Api::new(1);
    let (_, a) = api.create("k", json!({ "oci_image": "nowhere.invalid/app:1" })).await;
    let (_, b) = api.create("k", json!({ "oci_image": "alpine", "build_args": { "post_build_cmd": "exit 3" } })).await;
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    for (snap, needle) in [(a, "could not be resolved"), (b, "status 3")] {
        let (_, v, _) = api.send("GET", &format!("/v1/snapshots/{}", snap["id"].as_str().unwrap_or("")), Some("k"), None, &[]).await;
        assert_eq!(v["status"], "failed");
        assert!(v["last_error"].as_str().unwrap_or("").contains(needle), "{v}");
        assert_eq!(v["error"], v["last_error"]);
    }
}

#[tokio::test]
async fn invalid_fields_get_a_fastapi_422() {
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
        let (status, v) = api.create("k", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(v["detail"][0]["loc"], loc, "{body}");
        assert!(v["detail"][0]["msg"].is_string());
    }
    let (status, v, _) = api.send("POST", "/v1/snapshots", Some("k"), None, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["detail"][0]["type"], "json_invalid");
}

#[tokio::test]
async fn disks_above_three_are_capped_not_refused() {
    let api = Api::new(1);
    let (status, v) = api.create("k", json!({ "oci_image": "alpine", "build_args": { "disk_size_gb": 10 } })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(v["build_args"]["disk_size_gb"], 3);
}

#[tokio::test]
async fn list_is_a_bare_array_filtered_by_type_in_creation_order() {
    let api = Api::new(1);
    let (_, a) = api.create("k", json!({ "oci_image": "alpine" })).await;
    let (_, b) = api.create("k", json!({ "oci_image": "alpine", "type": "system" })).await;
    let (_, c) = api.create("k", json!({ "oci_image": "alpine" })).await;
    let (_, all, _) = api.send("GET", "/v1/snapshots", Some("k"), None, &[]).await;
    let ids: Vec<&Value> = all.as_array().map(|a| a.iter().map(|s| &s["id"]).collect()).unwrap_or_default();
    assert_eq!(ids, vec![&a["id"], &b["id"], &c["id"]]);
    let (_, user, _) = api.send("GET", "/v1/snapshots?type=user", Some("k"), None, &[]).await;
    assert_eq!(user.as_array().map(Vec::len), Some(2));
    let (_, system, _) = api.send("GET", "/v1/snapshots?type=system", Some("k"), None, &[]).await;
    assert_eq!(system[0]["id"], b["id"]);
    let (status, v, _) = api.send("GET", "/v1/snapshots?type=bogus", Some("k"), None, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["detail"][0]["loc"], json!(["query", "type"]));
}

#[tokio::test]
async fn delete_removes_and_unknown_ids_are_404_with_detail() {
    let api = Api::new(1);
    let (_, s) = api.create("k", json!({ "oci_image": "alpine" })).await;
    let uri = format!("/v1/snapshots/{}", s["id"].as_str().unwrap_or(""));
    let (status, _, _) = api.send("DELETE", &uri, Some("k"), None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    for method in ["GET", "DELETE"] {
        let (status, v, _) = api.send(method, &uri, Some("k"), None, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(v["detail"].as_str().unwrap_or("").contains("not found"));
    }
}

#[tokio::test]
async fn keys_are_required_and_isolated() {
    let api = Api::new(1);
    let (status, v, _) = api.send("GET", "/v1/snapshots", None, None, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(v["detail"].is_string());
    let (status, _, _) = api.send("GET", "/v1/snapshots", Some(""), None, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, s) = api.create("alice", json!({ "oci_image": "alpine" })).await;
    let uri = format!("/v1/snapshots/{}", s["id"].as_str().unwrap_or(""));
    let (status, _, _) = api.send("GET", &uri, Some("bob"), None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list, _) = api.send("GET", "/v1/snapshots", Some("bob"), None, &[]).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn idempotency_keys_replay_the_same_snapshot_or_conflict_when_switched_on() {
    let api = Api(app(Settings { build_ms: 1, idempotency: true, ..Settings::default() }));
    let body = json!({ "oci_image": "alpine" });
    let idem = [("idempotency-key", "key-1")];
    let (s1, a, _) = api.send("POST", "/v1/snapshots", Some("k"), Some(body.clone()), &idem).await;
    let (s2, b, _) = api.send("POST", "/v1/snapshots", Some("k"), Some(body), &idem).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(a["id"], b["id"]);
    let (_, list, _) = api.send("GET", "/v1/snapshots", Some("k"), None, &[]).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let (s3, v, _) = api.send("POST", "/v1/snapshots", Some("k"), Some(json!({ "oci_image": "ubuntu" })), &idem).await;
    assert_eq!(s3, StatusCode::CONFLICT);
    assert!(v["detail"].is_string());
}

#[tokio::test]
async fn by_default_an_idempotency_key_is_ignored_as_the_documented_api_ignores_it() {
    let api = Api::new(1);
    let body = json!({ "oci_image": "alpine" });
    let idem = [("idempotency-key", "key-1")];
    let (_, a, first) = api.send("POST", "/v1/snapshots", Some("k"), Some(body.clone()), &idem).await;
    let (_, b, second) = api.send("POST", "/v1/snapshots", Some("k"), Some(body), &idem).await;
    assert_ne!(a["id"], b["id"], "the same key made a second snapshot");
    assert!(first.headers().get("idempotent-replayed").is_none() && second.headers().get("idempotent-replayed").is_none());
    let (s3, _, _) = api.send("POST", "/v1/snapshots", Some("k"), Some(json!({ "oci_image": "ubuntu" })), &idem).await;
    assert_eq!(s3, StatusCode::CREATED, "another body under the same key is no conflict either");
    let (_, list, _) = api.send("GET", "/v1/snapshots", Some("k"), None, &[]).await;
    assert_eq!(list.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn ids_are_decoded_path_segments_with_encoded_slashes_inside() {
    let api = Api::new(1);
    let (status, v, _) = api.send("GET", "/v1/snapshots/a%2Fb", Some("k"), None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(v["detail"].as_str().unwrap_or("").contains("'a/b'"), "{v}");
}

#[tokio::test]
async fn every_response_has_a_request_id_and_cors_preflight_allows_the_headers() {
    let api = Api::new(1);
    let (_, _, r) = api.send("GET", "/nope", Some("k"), None, &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.headers().get("x-request-id").is_some());
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
        .await;
    assert!(status.is_success());
    let h = r.headers();
    assert_eq!(h.get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some("*"));
    let allowed = h.get("access-control-allow-headers").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    for name in ["x-api-key", "content-type", "idempotency-key"] {
        assert!(allowed.contains(name), "{allowed}");
    }
    let (_, _, r) = api.send("GET", "/v1/snapshots", Some("k"), None, &[("origin", "http://x")]).await;
    let exposed = r.headers().get("access-control-expose-headers").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    assert!(exposed.contains("retry-after") && exposed.contains("x-request-id"), "{exposed}");
}

#[tokio::test]
async fn the_request_log_shows_only_the_callers_requests() {
    let api = Api::new(1);
    api.create("a", json!({ "oci_image": "alpine" })).await;
    api.send("GET", "/v1/snapshots", Some("b"), None, &[]).await;
    let (_, log, _) = api.send("GET", "/_emulator/requests", Some("a"), None, &[]).await;
    assert_eq!(log["count"], 1);
    assert_eq!(log["requests"][0]["method"], "POST");
    assert_eq!(log["requests"][0]["path"], "/v1/snapshots");
}
