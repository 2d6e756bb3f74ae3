//! Injected faults, through the core as its host drives it: which strike
//! before the server acts and which after.

mod common;

use common::{app, Headers, Host, StatusCode};
use instavm_emulator_core::{parse_faults, Outcome, Settings};
use serde_json::{json, Value};

fn call(host: &Host, method: &str, uri: &str, fault: Option<&str>, idem: Option<&str>, body: Option<Value>) -> (Option<u16>, Value, Headers) {
    let answer = common::send(host, method, uri, Some("k"), body, &headers(fault, idem));
    (answer.status, answer.json, answer.headers)
}

fn headers<'a>(fault: Option<&'a str>, idem: Option<&'a str>) -> Vec<(&'static str, &'a str)> {
    let mut extra = Vec::new();
    if let Some(f) = fault {
        extra.push(("x-emulator-fault", f));
    }
    if let Some(i) = idem {
        extra.push(("idempotency-key", i));
    }
    extra
}

fn router() -> Host {
    app(Settings { build_ms: 50, boot_ms: 10, slow_ms: 20, ..Settings::default() })
}

/// An emulator that replays repeated idempotency keys (`--idempotency`).
fn replaying() -> Host {
    app(Settings { build_ms: 50, boot_ms: 10, slow_ms: 20, idempotency: true, ..Settings::default() })
}

#[test]
fn lost_and_gateway_act_then_lose_the_answer_and_a_repeat_makes_a_second() {
    let r = router();
    let body = || Some(json!({ "oci_image": "alpine" }));
    let (status, _, _) = call(&r, "POST", "/v1/snapshots", Some("lost"), Some("key-1"), body());
    assert_eq!(status, None, "lost: no complete answer");
    let (status, json, _) = call(&r, "POST", "/v1/snapshots", Some("gateway"), Some("key-1"), body());
    assert!(matches!(status, Some(StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT)), "{status:?}");
    assert!(json["detail"].as_str().is_some_and(|d| d.contains("Gateway")), "{json}");
    let (_, list, _) = call(&r, "GET", "/v1/snapshots", Some("none"), None, None);
    assert_eq!(list.as_array().map(Vec::len), Some(2), "each acted, and the key replayed nothing");
    // On a VM too, and with wait=true (the answer is lost after booting).
    let (status, _, _) = call(&r, "POST", "/v1/vms?wait=true", Some("lost"), None, Some(json!({})));
    assert_eq!(status, None);
    let (_, all, _) = call(&r, "GET", "/v1/vms/", Some("none"), None, None);
    assert_eq!(all.as_array().map(Vec::len), Some(1), "the VM was made");
    // A GET acts (reads) and loses its answer the same way.
    let (status, _, _) = call(&r, "GET", "/v1/snapshots", Some("lost"), None, None);
    assert_eq!(status, None);
}

#[test]
fn gateway_answers_both_statuses_over_a_seeded_sequence() {
    let r = app(Settings { faults: parse_faults("gateway:1").unwrap_or_default(), seed: 3, ..Settings::default() });
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        seen.insert(call(&r, "POST", "/v1/vms?wait=false", None, None, Some(json!({}))).0);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![Some(StatusCode::BAD_GATEWAY), Some(StatusCode::GATEWAY_TIMEOUT)]);
    let (_, all, _) = call(&r, "GET", "/v1/vms/", Some("none"), None, None);
    assert_eq!(all.as_array().map(Vec::len), Some(20), "every create acted");
}

#[test]
fn a_reset_on_a_create_drops_the_answer_after_the_server_acted() {
    let r = replaying();
    let (status, _, _) = call(&r, "POST", "/v1/snapshots", Some("reset"), Some("key-1"), Some(json!({ "oci_image": "alpine" })));
    assert_eq!(status, None, "no complete answer");
    let (_, list, _) = call(&r, "GET", "/v1/snapshots", Some("none"), None, None);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "the snapshot exists");
    // The same key replays the first answer: no second snapshot.
    let (status, again, h) = call(&r, "POST", "/v1/snapshots", Some("none"), Some("key-1"), Some(json!({ "oci_image": "alpine" })));
    assert_eq!(status, Some(StatusCode::CREATED));
    assert_eq!(again["id"], list[0]["id"]);
    assert_eq!(h.get("idempotent-replayed"), Some("true"));
    let (_, list, _) = call(&r, "GET", "/v1/snapshots", Some("none"), None, None);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[test]
fn refusals_strike_before_the_server_acts() {
    let r = router();
    for fault in ["429", "503", "500", "slow", "malformed", "truncated", "html", "wrong-shape", "no-status"] {
        let (status, _, headers) = call(&r, "POST", "/v1/vms?wait=false", Some(fault), None, Some(json!({})));
        assert!(status.is_some(), "{fault}");
        if fault == "429" {
            assert_eq!(status, Some(StatusCode::TOO_MANY_REQUESTS));
            assert!(headers.get("retry-after").is_some() && headers.get("retry-after-ms").is_some());
        }
    }
    let (_, all, _) = call(&r, "GET", "/v1/vms/", Some("none"), None, None);
    assert_eq!(all, json!([]), "no fault but reset changes state");
}

#[test]
fn a_redirect_points_where_it_is_told() {
    let r = router();
    let extra = [("x-emulator-fault", "redirect"), ("x-emulator-redirect-to", "http://other.example/x")];
    let answer = common::send(&r, "GET", "/v1/snapshots", Some("k"), None, &extra);
    assert_eq!(answer.status, Some(StatusCode::TEMPORARY_REDIRECT));
    assert_eq!(answer.headers.get("location"), Some("http://other.example/x"));
}

#[test]
fn random_faults_follow_the_seed_and_the_rate() {
    let settings = |seed| Settings { faults: parse_faults("503:0.25").unwrap_or_default(), seed, ..Settings::default() };
    let statuses = |seed| {
        let r = app(settings(seed));
        let mut out = Vec::new();
        for _ in 0..200 {
            out.push(call(&r, "GET", "/v1/snapshots", None, None, None).0);
        }
        out
    };
    let (a, b) = (statuses(7), statuses(7));
    assert_eq!(a, b, "the same seed, the same sequence");
    let refused = a.iter().filter(|s| **s == Some(StatusCode::SERVICE_UNAVAILABLE)).count();
    assert!((25..80).contains(&refused), "{refused} of 200");
}

#[test]
fn a_repeat_arriving_while_the_first_is_in_flight_waits_and_replays() {
    // A VM create with wait=true is answered only after booting: a client
    // that gave up meanwhile repeats it with the same key, while the first
    // is still waiting.
    let r = app(Settings { boot_ms: 200, idempotency: true, ..Settings::default() });
    let extra = headers(Some("none"), Some("same-key"));
    let first = r.start("POST", "/v1/vms?wait=true", Some("k"), Some(json!({})), &extra);
    let Outcome::Later { ms, then } = first else { panic!("the first create should wait for the boot") };
    let second = r.start("POST", "/v1/vms?wait=true", Some("k"), Some(json!({})), &extra);
    r.pause(ms);
    let a = common::answer(r.finish(r.resume(then)));
    let b = common::answer(r.finish(second));
    assert_eq!(a.json["vm_id"], b.json["vm_id"], "both answers name the same VM: {} {}", a.json, b.json);
    let (_, all, _) = call(&r, "GET", "/v1/vms/", Some("none"), None, None);
    assert_eq!(all.as_array().map(Vec::len), Some(1), "one VM, not two");
}
