//! The wasm client in real JS engines (Node, headless Chromium and a dedicated
//! worker, via wasm-bindgen-test-runner),
//! with a scripted `fetch` standing in for the network: retries, idempotency
//! keys, timeouts, aborts and malformed answers, observed call by call.
#![cfg(target_arch = "wasm32")]

use instavm_wasm::api::client::Client;
use js_sys::{Array, Function, Promise, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

/// A fetch that answers from a script, one entry per call (the last repeats):
/// `{status, body, headers}`, `"hang"` (until aborted) or `"fail"` (network).
/// It records every call, and the `this` it was called with.
fn scripted_fetch(script: &str) -> Function {
    let make = Function::new_with_args(
        "script",
        r#"
        const calls = [];
        // The client calls fetch(url, init). Each call is recorded as the
        // parts the tests look at (read through a Request made of the two):
        // url, method, redirect, signal, the client's headers and the body text.
        const f = function (url, given, extra) {
          'use strict';
          const request = new Request(url, given);
          const init = { method: request.method, redirect: given.redirect, signal: given.signal, headers: {}, extra };
          for (const name of ['Accept', 'Content-Type', 'Idempotency-Key', 'X-API-Key', 'X-Trace']) {
            const value = request.headers.get(name);
            if (value !== null) init.headers[name] = value;
          }
          calls.push({ url: request.url, init, urlIsString: typeof url === 'string', initIsRequest: given instanceof Request, thisValue: this });
          const step = script[Math.min(calls.length - 1, script.length - 1)];
          const bodyRead = request.text().then((text) => { if (text) init.body = text; });
          if (step === 'hang') {
            return bodyRead.then(() => new Promise((_, reject) => {
              if (init.signal.aborted) reject(init.signal.reason);
              init.signal.addEventListener('abort', () => reject(init.signal.reason));
            }));
          }
          if (step === 'fail') return bodyRead.then(() => Promise.reject(new TypeError('fetch failed')));
          return bodyRead.then(() => new Response(step.body ?? '', { status: step.status, headers: step.headers ?? {} }));
        };
        f.calls = calls;
        return f;
        "#,
    );
    let script = JSON::parse(script).expect("test script is JSON");
    make.call1(&JsValue::UNDEFINED, &script).expect("fake fetch").unchecked_into()
}

fn client(fetch: &Function, extra: &str) -> Client {
    let options = JSON::parse(&format!(r#"{{"apiKey":"instavm_sk_test","baseUrl":"http://emulator.test/","maxRetries":2{extra}}}"#)).unwrap();
    Reflect::set(&options, &"fetch".into(), fetch).unwrap();
    Client::new(options).unwrap_or_else(|_| panic!("client options are valid"))
}

fn calls(fetch: &Function) -> Array {
    Reflect::get(fetch, &"calls".into()).unwrap().unchecked_into()
}

fn prop(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |acc, key| Reflect::get(&acc, &key.into()).unwrap_or(JsValue::UNDEFINED))
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

const RECORD: &str = r#"{\"id\":\"snap_1\",\"status\":\"ready\",\"snapshot_type\":\"user\"}"#;

#[wasm_bindgen_test]
fn options_are_checked_at_construction_and_name_the_field() {
    for (options, field) in [
        (r#"{}"#, "apiKey"),
        (r#"{"apiKey":""}"#, "apiKey"),
        (r#"{"apiKey":"k","baseUrl":"api.instavm.io"}"#, "baseUrl"),
        (r#"{"apiKey":"k","timeoutMs":-5}"#, "timeoutMs"),
        (r#"{"apiKey":"k","maxRetries":2.5}"#, "maxRetries"),
        (r#"{"apiKey":"k","fetch":"no"}"#, "fetch"),
        (r#"{"apiKey":"k","headers":{"X-A":"a\r\nb"}}"#, "headers.X-A"),
    ] {
        let err = Client::new(JSON::parse(options).unwrap()).err().expect(options);
        assert_eq!(prop(&err, "name"), "ValidationError", "{options}");
        assert_eq!(prop(&err, "field"), field, "{options}");
    }
    assert!(Client::new(JsValue::from_str("instavm_sk_bare_key")).is_ok());
}

#[wasm_bindgen_test]
async fn records_get_both_id_and_both_type_fields_and_fetch_is_called_unbound() {
    let fetch = scripted_fetch(&format!(r#"[{{"status":200,"body":"{RECORD}"}}]"#));
    let record = settle(client(&fetch, "").call("snapshots.get", "snap_1".into(), JsValue::NULL, JsValue::NULL)).await.unwrap();
    assert_eq!(prop(&record, "snapshot_id"), "snap_1");
    assert_eq!(prop(&record, "type"), "user");
    let call = calls(&fetch).get(0);
    assert_eq!(prop(&call, "url"), "http://emulator.test/v1/snapshots/snap_1");
    assert!(prop(&call, "thisValue").is_undefined(), "fetch must be called with this undefined");
    assert_eq!(prop(&call, "urlIsString"), JsValue::TRUE, "fetch is called as fetch(url, init)");
    assert_eq!(prop(&call, "initIsRequest"), JsValue::FALSE, "with a plain init, not a built Request");
    assert!(prop(&call, "init.extra").is_undefined(), "and nothing beside them");
    assert_eq!(prop(&call, "init.headers.X-API-Key"), "instavm_sk_test");
    assert_eq!(prop(&call, "init.method"), "GET");
}

#[wasm_bindgen_test]
async fn get_retries_5xx_and_network_errors_then_succeeds() {
    let fetch = scripted_fetch(&format!(r#"[{{"status":503,"body":""}},"fail",{{"status":200,"body":"{RECORD}"}}]"#));
    let c = client(&fetch, "");
    let record = settle(c.call("snapshots.get", "snap_1".into(), JsValue::NULL, JsValue::NULL)).await.unwrap();
    assert_eq!(prop(&record, "id"), "snap_1");
    assert_eq!(calls(&fetch).length(), 3);
}

#[wasm_bindgen_test]
async fn post_retries_429_with_the_same_idempotency_key_and_honours_retry_after_ms() {
    let fetch = scripted_fetch(&format!(
        r#"[{{"status":429,"body":"{{\"detail\":\"Rate limit exceeded\"}}","headers":{{"retry-after-ms":"20"}}}},{{"status":201,"body":"{RECORD}"}}]"#
    ));
    let c = client(&fetch, "");
    let params = JSON::parse(r#"{"oci_image":"alpine"}"#).unwrap();
    settle(c.call("snapshots.create", params, JsValue::NULL, JsValue::FALSE)).await.unwrap();
    let all = calls(&fetch);
    assert_eq!(all.length(), 2);
    let first = prop(&all.get(0), "init.headers.Idempotency-Key");
    assert!(first.as_string().is_some_and(|k| k.starts_with("ivm-")));
    assert_eq!(first, prop(&all.get(1), "init.headers.Idempotency-Key"));
    assert_eq!(prop(&all.get(0), "init.body"), r#"{"oci_image":"alpine"}"#);
}

#[wasm_bindgen_test]
async fn a_create_whose_answer_was_lost_is_looked_for_and_repeated_only_while_nothing_was_made() {
    // A 500 or a dropped connection may come after the server acted, and the
    // API documents no idempotency key: the client lists the snapshots first
    // (here: none), and only then repeats, with the same key, within one
    // budget of maxRetries (2): three POSTs, each followed by a lookup.
    for step in [r#"{"status":500,"body":"{\"detail\":\"boom\"}"}"#, r#""fail""#] {
        let empty = r#"{"status":200,"body":"[]"}"#;
        let fetch = scripted_fetch(&format!("[{step},{empty},{step},{empty},{step},{empty}]"));
        let err = settle(client(&fetch, "").call("snapshots.create", JSON::parse(r#"{"oci_image":"alpine"}"#).unwrap(), JsValue::NULL, JsValue::FALSE))
            .await
            .unwrap_err();
        let all = calls(&fetch);
        let methods: Vec<String> = all.iter().map(|c| prop(&c, "init.method").as_string().unwrap_or_default()).collect();
        assert_eq!(methods, ["POST", "GET", "POST", "GET", "POST", "GET"], "{step}");
        let posts: Vec<JsValue> = all.iter().filter(|c| prop(c, "init.method") == "POST").collect();
        let key = prop(&posts[0], "init.headers.Idempotency-Key");
        assert!(posts.iter().all(|c| prop(c, "init.headers.Idempotency-Key") == key));
        let name = prop(&err, "name").as_string().unwrap_or_default();
        assert!(name == "ServerError" || name == "NetworkError", "{name}");
        assert!(prop(&err, "mayHaveActed").is_undefined(), "the lookups showed nothing was made");
        assert!(prop(&err, "message").as_string().unwrap_or_default().contains("no snapshot it would have made was found"));
    }
}

#[wasm_bindgen_test]
async fn a_lost_answer_is_found_by_listing_and_never_sent_again() {
    let made = r#"{"id":"snap_9","name":"n","oci_image":"alpine","status":"pending","created_at":"2999-01-01T00:00:00Z"}"#;
    let other = r#"{"id":"snap_8","name":"other","oci_image":"alpine","status":"ready","created_at":"2999-01-01T00:00:00Z"}"#;
    let list = JSON::stringify(&JsValue::from_str(&format!("[{other},{made}]"))).unwrap().as_string().unwrap_or_default();
    let fetch = scripted_fetch(&format!(r#"["fail",{{"status":200,"body":{list}}}]"#));
    let params = JSON::parse(r#"{"oci_image":"alpine","name":"n"}"#).unwrap();
    let record = settle(client(&fetch, "").call("snapshots.create", params, JsValue::NULL, JsValue::FALSE)).await.unwrap();
    assert_eq!(prop(&record, "id"), "snap_9");
    assert_eq!(prop(&record, "snapshot_id"), "snap_9", "normalised as an answer would be");
    assert_eq!(calls(&fetch).length(), 2, "one POST, one listing");
    assert_eq!(prop(&calls(&fetch).get(1), "url"), "http://emulator.test/v1/snapshots");

    // Two that match, and no way to tell: rejected with both as candidates.
    let list = JSON::stringify(&JsValue::from_str(&format!("[{made},{}]", made.replace("snap_9", "snap_10")))).unwrap().as_string().unwrap_or_default();
    let fetch = scripted_fetch(&format!(r#"[{{"status":504,"body":""}},{{"status":200,"body":{list}}}]"#));
    let params = JSON::parse(r#"{"oci_image":"alpine","name":"n"}"#).unwrap();
    let err = settle(client(&fetch, "").call("snapshots.create", params, JsValue::NULL, JsValue::FALSE)).await.unwrap_err();
    assert_eq!(calls(&fetch).length(), 2);
    assert_eq!(prop(&err, "mayHaveActed"), JsValue::TRUE);
    assert_eq!(Array::from(&prop(&err, "candidates")).length(), 2);
    assert_eq!(prop(&err, "status"), 504);
}

#[wasm_bindgen_test]
async fn a_refused_create_is_not_repeated() {
    let fetch = scripted_fetch(r#"[{"status":422,"body":"{\"detail\":[{\"loc\":[\"body\",\"oci_image\"],\"msg\":\"bad\"}]}"}]"#);
    let err = settle(client(&fetch, "").call("snapshots.create", JSON::parse(r#"{"oci_image":"alpine"}"#).unwrap(), JsValue::NULL, JsValue::FALSE)).await.unwrap_err();
    assert_eq!(calls(&fetch).length(), 1);
    assert_eq!(prop(&err, "field"), "oci_image");
}

#[wasm_bindgen_test]
async fn redirects_are_followed_only_within_the_api_origin() {
    let fetch = scripted_fetch(&format!(
        r#"[{{"status":307,"headers":{{"location":"/v1/snapshots/moved"}}}},{{"status":200,"body":"{RECORD}"}}]"#
    ));
    let record = settle(client(&fetch, "").call("snapshots.get", "snap_1".into(), JsValue::NULL, JsValue::NULL)).await.unwrap();
    assert_eq!(prop(&record, "id"), "snap_1");
    assert_eq!(prop(&calls(&fetch).get(1), "url"), "http://emulator.test/v1/snapshots/moved");
    assert_eq!(prop(&calls(&fetch).get(0), "init.redirect"), "manual");

    let fetch = scripted_fetch(r#"[{"status":302,"headers":{"location":"https://elsewhere.example/steal"}}]"#);
    let err = settle(client(&fetch, "").call("snapshots.get", "snap_1".into(), JsValue::NULL, JsValue::NULL)).await.unwrap_err();
    assert_eq!(calls(&fetch).length(), 1, "never sent to the other origin");
    assert!(prop(&err, "message").as_string().unwrap_or_default().contains("https://elsewhere.example"));
}

#[wasm_bindgen_test]
async fn a_request_past_its_timeout_is_a_timeout_error() {
    let fetch = scripted_fetch(r#"["hang"]"#);
    let c = client(&fetch, r#","maxRetries":0,"timeoutMs":30"#);
    let err = settle(c.call("snapshots.get", "snap_1".into(), JsValue::NULL, JsValue::NULL)).await.unwrap_err();
    assert_eq!(prop(&err, "name"), "TimeoutError");
    assert!(prop(&err, "message").as_string().unwrap_or_default().contains("30 ms"));
}

#[wasm_bindgen_test]
async fn an_aborted_signal_rejects_with_its_reason_and_sends_nothing() {
    let fetch = scripted_fetch(&format!(r#"[{{"status":200,"body":"{RECORD}"}}]"#));
    let options = Function::new_no_args("const c = new AbortController(); c.abort('stop'); return { signal: c.signal };")
        .call0(&JsValue::UNDEFINED)
        .unwrap();
    let err = settle(client(&fetch, "").call("snapshots.get", "snap_1".into(), options, JsValue::NULL)).await.unwrap_err();
    assert_eq!(err, "stop");
    assert_eq!(calls(&fetch).length(), 0);
}

#[wasm_bindgen_test]
async fn malformed_answers_are_typed_errors_and_the_client_keeps_working() {
    let fetch = scripted_fetch(&format!(
        r#"[{{"status":200,"body":"{{not json"}},{{"status":200,"body":"[1,2]"}},{{"status":200,"body":"{RECORD}"}}]"#
    ));
    let c = client(&fetch, r#","maxRetries":0"#);
    let err = settle(c.call("snapshots.get", "snap_1".into(), JsValue::NULL, JsValue::NULL)).await.unwrap_err();
    assert_eq!(prop(&err, "name"), "InstaVMError");
    let err = settle(c.call("snapshots.get", "snap_1".into(), JsValue::NULL, JsValue::NULL)).await.unwrap_err();
    assert!(prop(&err, "message").as_string().unwrap_or_default().contains("JSON object"));
    let ok = settle(c.call("snapshots.get", "snap_1".into(), JsValue::NULL, JsValue::NULL)).await.unwrap();
    assert_eq!(prop(&ok, "id"), "snap_1");
}

#[wasm_bindgen_test]
async fn a_fetch_override_that_answers_with_no_response_is_a_network_error() {
    let junk = Function::new_with_args("request", "return Promise.resolve(42);");
    let c = client(&junk, r#","maxRetries":0"#);
    let err = settle(c.call("snapshots.get", "snap_1".into(), JsValue::NULL, JsValue::NULL)).await.unwrap_err();
    assert_eq!(prop(&err, "name"), "NetworkError");
    assert!(prop(&err, "message").as_string().unwrap_or_default().contains("not a Response"));
    let throwing = Function::new_with_args("request", "throw new TypeError('no network here');");
    let c = client(&throwing, r#","maxRetries":0"#);
    let err = settle(c.call("snapshots.get", "snap_1".into(), JsValue::NULL, JsValue::NULL)).await.unwrap_err();
    assert!(prop(&err, "message").as_string().unwrap_or_default().contains("no network here"));
}

#[wasm_bindgen_test]
async fn a_delete_whose_first_answer_was_lost_counts_a_later_404_as_done() {
    let fetch = scripted_fetch(r#"["fail",{"status":404,"body":"{\"detail\":\"Snapshot not found\"}"}]"#);
    let result = settle(client(&fetch, "").call("snapshots.delete", "snap_1".into(), JsValue::NULL, JsValue::NULL)).await.unwrap();
    assert_eq!(prop(&result, "success"), JsValue::TRUE);
    assert_eq!(calls(&fetch).length(), 2);
}

#[wasm_bindgen_test]
async fn waits_report_each_status_once_and_a_failed_build_rejects_with_its_reason() {
    let fetch = scripted_fetch(
        r#"[{"status":200,"body":"{\"id\":\"s\",\"status\":\"pending\"}"},
            {"status":503,"body":""},
            {"status":200,"body":"{\"id\":\"s\",\"status\":\"PENDING\"}"},
            {"status":200,"body":"{\"id\":\"s\",\"status\":\"building\"}"},
            {"status":200,"body":"{\"id\":\"s\",\"status\":\"failed\",\"last_error\":\"exit 3\"}"}]"#,
    );
    let seen = Array::new();
    let options = JSON::parse(r#"{"pollIntervalMs":5,"maxPollIntervalMs":10}"#).unwrap();
    let push = Reflect::get(&seen, &"push".into()).unwrap().unchecked_into::<Function>().bind0(&seen);
    let on_status = Function::new_with_args("push", "return (s) => push(s.status);").call1(&JsValue::UNDEFINED, &push).unwrap();
    Reflect::set(&options, &"onStatus".into(), &on_status).unwrap();
    let err = settle(client(&fetch, "").call("snapshots.waitUntilReady", "s".into(), options, JsValue::NULL)).await.unwrap_err();
    assert_eq!(prop(&err, "name"), "SnapshotBuildFailedError");
    assert_eq!(prop(&err, "lastError"), "exit 3");
    assert_eq!(prop(&err, "snapshot.status"), "failed");
    let seen: Vec<String> = seen.iter().filter_map(|s| s.as_string()).collect();
    assert_eq!(seen, vec!["pending", "building", "failed"]);
}

#[wasm_bindgen_test]
fn the_allocator_keeps_contents_through_growth_and_reuses_freed_blocks() {
    let round = |seed: usize| {
        let mut strings: Vec<String> = (0..300).map(|i| "x".repeat((i * 37 + seed) % 5000)).collect();
        for (i, s) in strings.iter_mut().enumerate() {
            // Growth through realloc.
            for _ in 0..(i % 7) {
                s.push_str("abcdefghij");
            }
        }
        for (i, s) in strings.iter().enumerate() {
            let base = (i * 37 + seed) % 5000;
            assert_eq!(s.len(), base + 10 * (i % 7));
            assert!(s.starts_with(&"x".repeat(base.min(8))));
        }
        let big = vec![7u8; 300_000];
        assert!(big.iter().all(|b| *b == 7));
    };
    // The default allocator (dlmalloc): the first pass sets the heap's peak,
    // and the same work again must fit in what the first pass took.
    for seed in 0..20 {
        round(seed);
    }
    let pages = core::arch::wasm32::memory_size(0);
    for seed in 0..20 {
        round(seed);
    }
    assert_eq!(core::arch::wasm32::memory_size(0), pages, "freed blocks are reused, memory does not grow");
}
