//! Driving the emulator's router in-process, shared by the route tests.

// Each test file uses a part of this module.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// What one request got back; `status` is `None` when the connection was
/// dropped without a complete answer.
pub struct Answer {
    pub status: Option<StatusCode>,
    pub json: Value,
    pub headers: HeaderMap,
}

/// Sends one request: an optional API key, JSON body and extra headers.
pub async fn send(router: &axum::Router, method: &str, uri: &str, key: Option<&str>, body: Option<Value>, extra: &[(&str, &str)]) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    for (name, value) in extra {
        req = req.header(*name, *value);
    }
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let response = router.clone().oneshot(req.body(body).expect("request")).await.expect("infallible");
    let (status, headers) = (response.status(), response.headers().clone());
    match response.into_body().collect().await {
        Ok(b) => Answer { status: Some(status), json: serde_json::from_slice(&b.to_bytes()).unwrap_or(Value::Null), headers },
        Err(_) => Answer { status: None, json: Value::Null, headers },
    }
}
