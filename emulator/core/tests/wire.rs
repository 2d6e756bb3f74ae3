//! The wire as the core answers it, pinned request by request: which method
//! and path reach which route (405 with `allow`, JSON 404s, `/v1/vms/` apart
//! from `/v1/vms`, empty segments), how ids come out of the path
//! (percent-decoded, invalid escapes kept) and how the query is read (`+` is
//! a space, the last repeat wins). Both hosts hand the core the raw path and
//! query, so this is what either answers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use instavm_emulator_core::{Clock, Emulator, Outcome, Request, Response, Settings};
use serde_json::{json, Value};

/// A clock that moves only when a request waits.
struct TestClock(AtomicU64);

impl Clock for TestClock {
    fn now_ms(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
    fn epoch_ms(&self) -> i64 {
        1_700_000_000_000 + self.now_ms() as i64
    }
}

struct Emu {
    emulator: Emulator,
    clock: Arc<TestClock>,
}

impl Emu {
    fn new() -> Emu {
        let clock = Arc::new(TestClock(AtomicU64::new(0f64.to_bits())));
        Emu { emulator: Emulator::new(Settings { build_ms: 100, boot_ms: 50, ..Settings::default() }, clock.clone()), clock }
    }

    fn advance(&self, ms: u64) {
        self.clock.0.store((self.clock.now_ms() + ms as f64).to_bits(), Ordering::Relaxed);
    }

    /// One request with the key `k`; `path` may carry `?query`.
    fn send(&self, method: &str, target: &str, body: &str) -> Response {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (target.to_string(), None),
        };
        let headers = vec![("X-API-Key".to_string(), "k".to_string())];
        let mut outcome = self.emulator.handle(Request { method: method.into(), path, query, headers, body: body.as_bytes().to_vec() });
        loop {
            match outcome {
                Outcome::Answer(r) => return r,
                Outcome::Reset => panic!("{method} {target}: reset"),
                Outcome::Later { ms, then } => {
                    self.advance(ms);
                    outcome = self.emulator.resume(then);
                }
            }
        }
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
    assert_eq!(emu.json("DELETE", &format!("{volumes}/v+1"), "").0, 404);
    assert_eq!(emu.json("DELETE", &format!("{volumes}/v%201"), "").0, 200);
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
    assert_eq!(status_of("/v1/vms?wait=True"), "creating");
    assert_eq!(status_of("/v1/vms?wait"), "creating");
    assert_eq!(status_of("/v1/vms?wait=true=1"), "creating");

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
