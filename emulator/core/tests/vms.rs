//! The emulator's VM routes, through the core as its host drives it: the state machine, the two list routes, and the
//! 4xx answers the API gives.

mod common;

use common::{app, Host, StatusCode};
use instavm_emulator_core::Settings;
use serde_json::{json, Value};

struct Api(Host);

impl Api {
    fn new() -> Self {
        Api(app(Settings { build_ms: 120, boot_ms: 100, ..Settings::default() }))
    }

    /// Status (500 for no answer) and body.
    fn call(&self, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
        let answer = common::send(&self.0, method, uri, Some("k"), body, &[]);
        (answer.status.unwrap_or(500), answer.json)
    }

    fn vm(&self, wait: bool) -> String {
        let (status, v) = self.call("POST", &format!("/v1/vms?wait={wait}"), Some(json!({})));
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v["vm_id"].as_str().unwrap_or_default().to_string()
    }

    /// Lets `ms` pass on the emulator's clock.
    fn pause(&self, ms: u64) {
        self.0.pause(ms);
    }
}

#[test]
fn create_waits_until_active_or_answers_creating_at_once() {
    let api = Api::new();
    let (_, v) = api.call("POST", "/v1/vms?wait=true", Some(json!({ "vcpu_count": 4, "metadata": { "a": 1 } })));
    assert_eq!(v["status"], "active");
    assert_eq!(v["vm_id"], v["id"]);
    assert_eq!(v["vcpu_count"], 4);
    assert!(v["session_id"].as_str().unwrap_or("").starts_with("sess_"));
    let (_, v) = api.call("POST", "/v1/vms?wait=false", Some(json!({})));
    assert_eq!(v["status"], "creating");
    api.pause(250);
    let (_, v) = api.call("GET", &format!("/v1/vms/{}", v["vm_id"].as_str().unwrap_or("")), None);
    assert_eq!(v["status"], "active");
}

#[test]
fn invalid_vm_fields_get_a_422_naming_them() {
    let api = Api::new();
    for (body, loc) in [
        (json!({ "vcpu_count": 0 }), json!(["body", "vcpu_count"])),
        (json!({ "memory_mb": 1025 }), json!(["body", "memory_mb"])),
        (json!({ "vm_lifetime_seconds": 5 }), json!(["body", "vm_lifetime_seconds"])),
        (json!({ "image_variant": "x" }), json!(["body", "image_variant"])),
        (json!({ "volumes": [{ "volume_id": "v", "mount_path": "/d", "checkpoint_id": "c" }] }), json!(["body", "volumes", "0", "checkpoint_id"])),
    ] {
        let (status, v) = api.call("POST", "/v1/vms", Some(body.clone()));
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(v["detail"][0]["loc"], loc, "{body}");
    }
}

#[test]
fn booting_needs_a_ready_snapshot() {
    let api = Api::new();
    let (_, s) = api.call("POST", "/v1/snapshots", Some(json!({ "oci_image": "alpine" })));
    let body = json!({ "snapshot_id": s["id"] });
    let (status, v) = api.call("POST", "/v1/vms?wait=true", Some(body.clone()));
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(v["detail"].as_str().unwrap_or("").contains("ready"));
    api.pause(250);
    let (status, v) = api.call("POST", "/v1/vms?wait=true", Some(body));
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(v["snapshot_id"], s["id"]);
    let (status, _) = api.call("POST", "/v1/vms", Some(json!({ "snapshot_id": "snap_nope" })));
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[test]
fn suspend_resume_mints_a_new_id_and_delete_terminates() {
    let api = Api::new();
    let id = api.vm(true);
    let (_, v) = api.call("POST", &format!("/v1/vms/{id}/suspend"), None);
    assert_eq!(v["status"], "suspending");
    let (status, _) = api.call("POST", &format!("/v1/vms/{id}/resume"), None);
    assert_eq!(status, StatusCode::CONFLICT, "not suspended yet");
    api.pause(200);
    let (_, running) = api.call("GET", "/v1/vms", None);
    assert_eq!(running, json!([]));
    let (_, v) = api.call("POST", &format!("/v1/vms/{id}/resume?wait=true"), None);
    let new_id = v["vm_id"].as_str().unwrap_or_default().to_string();
    assert_ne!(new_id, id);
    assert_eq!(v["resumed_from"], id.as_str());
    assert_eq!(v["status"], "active");
    let (_, old) = api.call("GET", &format!("/v1/vms/{id}"), None);
    assert_eq!(old["resumed_as"], new_id.as_str());
    let (status, _) = api.call("DELETE", &format!("/v1/vms/{new_id}"), None);
    assert_eq!(status, StatusCode::OK);
    let (_, running) = api.call("GET", "/v1/vms", None);
    assert_eq!(running, json!([]));
    let (_, all) = api.call("GET", "/v1/vms/", None);
    let statuses: Vec<&Value> = all.as_array().map(|a| a.iter().map(|v| &v["status"]).collect()).unwrap_or_default();
    assert_eq!(statuses, vec!["terminated", "terminated"]);
}

#[test]
fn vm_snapshots_join_the_snapshot_lifecycle() {
    let api = Api::new();
    let id = api.vm(true);
    let (status, s) = api.call("POST", &format!("/v1/vms/{id}/snapshot"), Some(json!({ "name": "state" })));
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(s["status"], "pending");
    assert_eq!(s["snapshot_id"], s["id"]);
    let (_, f) = api.call("POST", &format!("/v1/vms/{id}/snapshot"), Some(json!({ "name": "bad.fail" })));
    api.pause(250);
    let (_, list) = api.call("GET", "/v1/snapshots", None);
    let by_id = |x: &Value| list.as_array().and_then(|a| a.iter().find(|r| r["id"] == x["id"]).cloned()).unwrap_or(Value::Null);
    assert_eq!(by_id(&s)["status"], "ready");
    assert_eq!(by_id(&f)["status"], "failed");
    assert!(by_id(&f)["last_error"].is_string());
    let (_, vm) = api.call("GET", &format!("/v1/vms/{id}"), None);
    assert_eq!(vm["status"], "active");
}

#[test]
fn clone_makes_a_new_live_vm_from_a_fresh_snapshot() {
    let api = Api::new();
    let id = api.vm(true);
    let (status, v) = api.call("POST", &format!("/v1/vms/{id}/clone?wait=true"), Some(json!({ "snapshot_name": "c" })));
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(v["vm_id"], id.as_str());
    assert_eq!(v["cloned_from"], id.as_str());
    assert_eq!(v["status"], "active");
}

#[test]
fn stage_env_checks_names_and_stores_nothing() {
    let api = Api::new();
    let id = api.vm(true);
    let body = json!({ "entries": [{ "env_name": "TOKEN", "value": "s3cr3t" }] });
    let (status, v) = api.call("POST", &format!("/v1/vms/{id}/stage-env"), Some(body));
    assert_eq!(status, StatusCode::OK);
    assert!(!v.to_string().contains("s3cr3t"));
    let (_, vm) = api.call("GET", &format!("/v1/vms/{id}"), None);
    assert!(!vm.to_string().contains("s3cr3t"));
    let bad = json!({ "entries": [{ "env_name": "1X", "value": "v" }] });
    let (status, _) = api.call("POST", &format!("/v1/vms/{id}/stage-env"), Some(bad));
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[test]
fn volumes_mount_list_and_unmount() {
    let api = Api::new();
    let id = api.vm(true);
    let (status, v) = api.call("POST", &format!("/v1/vms/{id}/volumes"), Some(json!({ "volume_id": "v1", "mount_path": "/data" })));
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(v["mode"], "rw");
    let (status, _) = api.call("POST", &format!("/v1/vms/{id}/volumes"), Some(json!({ "volume_id": "v2", "mount_path": "/data" })));
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, list) = api.call("GET", &format!("/v1/vms/{id}/volumes"), None);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let (status, _) = api.call("DELETE", &format!("/v1/vms/{id}/volumes/v1?mount_path=%2Fdata"), None);
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api.call("DELETE", &format!("/v1/vms/{id}/volumes/v1?mount_path=%2Fdata"), None);
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Which mount is meant must be said: a volume may be mounted at several paths.
    let (status, _) = api.call("DELETE", &format!("/v1/vms/{id}/volumes/v1"), None);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A relative path and a wait that is no boolean: both in one 422, in the
    // order the parameters are declared.
    let (status, v) = api.call("DELETE", &format!("/v1/vms/{id}/volumes/v1?wait=maybe&mount_path=data"), None);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let locs: Vec<&Value> = v["detail"].as_array().into_iter().flatten().map(|d| &d["loc"]).collect();
    assert_eq!(locs, [&json!(["query", "mount_path"]), &json!(["query", "wait"])]);
    // The query's problems come first, then the body's, in one answer.
    let (status, v) = api.call("POST", &format!("/v1/vms/{id}/volumes?wait=maybe"), Some(json!({ "volume_id": "v3", "mount_path": "rel" })));
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let locs: Vec<&Value> = v["detail"].as_array().into_iter().flatten().map(|d| &d["loc"]).collect();
    assert_eq!(locs, [&json!(["query", "wait"]), &json!(["body", "mount_path"])]);
    let (status, v) = api.call("POST", "/v1/vms?wait=maybe", Some(json!({ "vcpu_count": 99 })));
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let locs: Vec<&Value> = v["detail"].as_array().into_iter().flatten().map(|d| &d["loc"]).collect();
    assert_eq!(locs, [&json!(["query", "wait"]), &json!(["body", "vcpu_count"])]);
    // A body that is no object is one of the problems, beside the query's.
    for (method, uri) in [
        ("POST", "/v1/vms?wait=maybe".to_string()),
        ("POST", format!("/v1/vms/{id}/snapshot?wait=maybe")),
        ("POST", format!("/v1/vms/{id}/clone?wait=maybe")),
        ("POST", format!("/v1/vms/{id}/volumes?wait=maybe")),
    ] {
        let (status, v) = api.call(method, &uri, Some(json!([1])));
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        let locs: Vec<&Value> = v["detail"].as_array().into_iter().flatten().map(|d| &d["loc"]).collect();
        assert_eq!(locs, [&json!(["query", "wait"]), &json!(["body"])], "{uri}");
        assert_eq!(v["detail"][1]["type"], "model_type", "{uri}: one wording for a body that is no object");
    }
}

#[test]
fn update_changes_documented_fields_only() {
    let api = Api::new();
    let id = api.vm(true);
    let (status, _) = api.call("PATCH", &format!("/v1/vms/{id}"), Some(json!({ "memory_mb": 2048, "vcpu_count": 8 })));
    assert_eq!(status, StatusCode::OK);
    let (_, vm) = api.call("GET", &format!("/v1/vms/{id}"), None);
    assert_eq!(vm["memory_mb"], 2048);
    assert_eq!(vm["vcpu_count"], 2);
    let (status, _) = api.call("PATCH", &format!("/v1/vms/{id}"), Some(json!({ "memory_mb": 3 })));
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = api.call("GET", "/v1/vms/vm_missing", None);
    assert_eq!(status, StatusCode::NOT_FOUND);
}
