//! Injected faults: which strike before the server acts and which after.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use instavm_emulator::{app, parse_faults, Settings};
use serde_json::{json, Value};
use tower::ServiceExt;

async fn call(router: &axum::Router, method: &str, uri: &str, fault: Option<&str>, idem: Option<&str>, body: Option<Value>) -> (Option<StatusCode>, Value, axum::http::HeaderMap) {
    let mut extra = Vec::new();
    if let Some(f) = fault {
        extra.push(("x-emulator-fault", f));
    }
    if let Some(i) = idem {
        extra.push(("idempotency-key", i));
    }
    let answer = common::send(router, method, uri, Some("k"), body, &extra).await;
    (answer.status, answer.json, answer.headers)
}

fn router() -> axum::Router {
    app(Settings { build_ms: 50, boot_ms: 10, slow_ms: 20, ..Settings::default() })
}

/// An emulator that replays repeated idempotency keys (`--idempotency`).
fn replaying() -> axum::Router {
    app(Settings { build_ms: 50, boot_ms: 10, slow_ms: 20, idempotency: true, ..Settings::default() })
}

#[tokio::test]
async fn lost_and_gateway_act_then_lose_the_answer_and_a_repeat_makes_a_second() {
    let r = router();
    let body = || Some(json!({ "oci_image": "alpine" }));
    let (status, _, _) = call(&r, "POST", "/v1/snapshots", Some("lost"), Some("key-1"), body()).await;
    assert_eq!(status, None, "lost: no complete answer");
    let (status, json, _) = call(&r, "POST", "/v1/snapshots", Some("gateway"), Some("key-1"), body()).await;
    assert!(matches!(status, Some(StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT)), "{status:?}");
    assert!(json["detail"].as_str().is_some_and(|d| d.contains("Gateway")), "{json}");
    let (_, list, _) = call(&r, "GET", "/v1/snapshots", Some("none"), None, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "each acted, and the key replayed nothing");
    // On a VM too, and with wait=true (the answer is lost after booting).
    let (status, _, _) = call(&r, "POST", "/v1/vms?wait=true", Some("lost"), None, Some(json!({}))).await;
    assert_eq!(status, None);
    let (_, all, _) = call(&r, "GET", "/v1/vms/", Some("none"), None, None).await;
    assert_eq!(all.as_array().map(Vec::len), Some(1), "the VM was made");
    // A GET acts (reads) and loses its answer the same way.
    let (status, _, _) = call(&r, "GET", "/v1/snapshots", Some("lost"), None, None).await;
    assert_eq!(status, None);
}

#[tokio::test]
async fn gateway_answers_both_statuses_over_a_seeded_sequence() {
    let r = app(Settings { faults: parse_faults("gateway:1").unwrap_or_default(), seed: 3, ..Settings::default() });
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        seen.insert(call(&r, "POST", "/v1/vms?wait=false", None, None, Some(json!({}))).await.0);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![Some(StatusCode::BAD_GATEWAY), Some(StatusCode::GATEWAY_TIMEOUT)]);
    let (_, all, _) = call(&r, "GET", "/v1/vms/", Some("none"), None, None).await;
    assert_eq!(all.as_array().map(Vec::len), Some(20), "every create acted");
}

#[tokio::test]
async fn a_reset_on_a_create_drops_the_answer_after_the_server_acted() {
    let r = replaying();
    let (status, _, _) = call(&r, "POST", "/v1/snapshots", Some("reset"), Some("key-1"), Some(json!({ "oci_image": "alpine" }))).await;
    assert_eq!(status, None, "no complete answer");
    let (_, list, _) = call(&r, "GET", "/v1/snapshots", Some("none"), None, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "the snapshot exists");
    // The same key replays the first answer: no second snapshot.
    let (status, again, h) = call(&r, "POST", "/v1/snapshots", Some("none"), Some("key-1"), Some(json!({ "oci_image": "alpine" }))).await;
    assert_eq!(status, Some(StatusCode::CREATED));
    assert_eq!(again["id"], list[0]["id"]);
    assert_eq!(h.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    let (_, list, _) = call(&r, "GET", "/v1/snapshots", Some("none"), None, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn refusals_strike_before_the_server_acts() {
    let r = router();
    for fault in ["429", "503", "500", "slow", "malformed", "truncated", "html", "wrong-shape", "no-status"] {
        let (status, _, headers) = call(&r, "POST", "/v1/vms?wait=false", Some(fault), None, Some(json!({}))).await;
        assert!(status.is_some(), "{fault}");
        if fault == "429" {
            assert_eq!(status, Some(StatusCode::TOO_MANY_REQUESTS));
            assert!(headers.get("retry-after").is_some() && headers.get("retry-after-ms").is_some());
        }
    }
    let (_, all, _) = call(&r, "GET", "/v1/vms/", Some("none"), None, None).await;
    assert_eq!(all, json!([]), "no fault but reset changes state");
}

#[tokio::test]
async fn a_redirect_points_where_it_is_told() {
    let r = router();
    let req = Request::builder()
        .uri("/v1/snapshots")
        .header("x-api-key", "k")
        .header("x-emulator-fault", "redirect")
        .header("x-emulator-redirect-to", "http://other.example/x")
        .body(Body::empty())
        .expect("request");
    let response = r.oneshot(req).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.headers().get("location").and_then(|v| v.to_str().ok()), Some("http://other.example/x"));
}

#[tokio::test]
async fn random_faults_follow_the_seed_and_the_rate() {
    let settings = |seed| Settings { faults: parse_faults("503:0.25").unwrap_or_default(), seed, ..Settings::default() };
    let statuses = |seed| async move {
        let r = app(settings(seed));
        let mut out = Vec::new();
        for _ in 0..200 {
            out.push(call(&r, "GET", "/v1/snapshots", None, None, None).await.0);
        }
        out
    };
    let (a, b) = (statuses(7).await, statuses(7).await);
    assert_eq!(a, b, "the same seed, the same sequence");
    let refused = a.iter().filter(|s| **s == Some(StatusCode::SERVICE_UNAVAILABLE)).count();
    assert!((25..80).contains(&refused), "{refused} of 200");
}

#[tokio::test]
async fn a_repeat_arriving_while_the_first_is_in_flight_waits_and_replays() {
    // A VM create with wait=true is answered only after booting: a client
    // that gave up meanwhile repeats it with the same key, concurrently.
    let r = app(Settings { boot_ms: 200, idempotency: true, ..Settings::default() });
    let first = call(&r, "POST", "/v1/vms?wait=true", Some("none"), Some("same-key"), Some(json!({})));
    let second = call(&r, "POST", "/v1/vms?wait=true", Some("none"), Some("same-key"), Some(json!({})));
    let (a, b) = tokio::join!(first, second);
    assert_eq!(a.1["vm_id"], b.1["vm_id"], "both answers name the same VM");
    let (_, all, _) = call(&r, "GET", "/v1/vms/", Some("none"), None, None).await;
    assert_eq!(all.as_array().map(Vec::len), Some(1), "one VM, not two");
}
