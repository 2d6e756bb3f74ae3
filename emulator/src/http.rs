//! HTTP plumbing shared by every route: JSON errors in the API's `{"detail": ...}`
//! shape, the API-key check, request ids, the request log and CORS.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tower_http::cors::{AllowHeaders, Any, CorsLayer};

use crate::state::Shared;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// An error answer: a status and the `detail` the API would send.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub detail: Value,
}

impl ApiError {
    pub fn new(status: u16, detail: impl Into<Value>) -> Self {
        ApiError { status, detail: detail.into() }
    }

    /// A FastAPI-style 422: one item per invalid field.
    pub fn unprocessable(items: Vec<Value>) -> Self {
        ApiError { status: 422, detail: Value::Array(items) }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, json!({ "detail": self.detail }))
    }
}

pub fn json_response(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The caller's key: a missing or empty `X-API-Key` is a 401. Any other key is
/// accepted and names its own tenant.
pub fn api_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or("");
    if key.is_empty() {
        return Err(ApiError::new(401, "Missing API key: send it in the X-API-Key header"));
    }
    Ok(key.to_string())
}

pub async fn not_found() -> ApiError {
    ApiError::new(404, "Not Found")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(405, "Method Not Allowed")
}

/// Tags every response with an `X-Request-Id` and logs each `/v1` request
/// under its key, for `/_emulator/requests`.
pub async fn record_and_tag(State(shared): State<Arc<Shared>>, request: Request<Body>, next: Next) -> Response {
    let request_id = shared.new_request_id();
    if request.uri().path().starts_with("/v1") && request.method() != Method::OPTIONS {
        if let Ok(key) = api_key(request.headers()) {
            let entry = json!({
                "method": request.method().as_str(),
                "path": request.uri().path(),
                "query": request.uri().query(),
                "idempotency_key": request.headers().get("idempotency-key").and_then(|v| v.to_str().ok()),
                "request_id": request_id,
            });
            shared.tenants().entry(key).or_default().requests.push(entry);
        }
    }
    let mut response = next.run(request).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

/// Any origin may call the emulator (the demo page and browser tests run on
/// other ports); the headers a client reads are exposed.
pub fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            header::RETRY_AFTER,
            REQUEST_ID,
            HeaderName::from_static("retry-after-ms"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

/// Applies latency and an injected fault to `/v1` requests (see `faults`).
pub async fn inject_faults(State(shared): State<Arc<Shared>>, request: Request<Body>, next: Next) -> Response {
    use crate::faults::Fault;
    if !request.uri().path().starts_with("/v1") || request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    if let Some(delay) = shared.faults.latency() {
        tokio::time::sleep(delay).await;
    }
    let forced = request.headers().get("x-emulator-fault").and_then(|v| v.to_str().ok()).map(str::to_string);
    let redirect_to = request.headers().get("x-emulator-redirect-to").and_then(|v| v.to_str().ok()).map(str::to_string);
    let mutating = matches!(*request.method(), Method::POST | Method::PATCH | Method::DELETE);
    let Some(fault) = shared.faults.pick(forced.as_deref()) else { return next.run(request).await };
    let raw = |status: u16, content_type: &'static str, body: String| {
        let mut r = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    match fault {
        Fault::Reset => {
            if mutating {
                // The server acts; the answer is lost on the way back.
                let _ = next.run(request).await;
            }
            connection_reset()
        }
        Fault::TooManyRequests => {
            let mut r = ApiError::new(429, "Rate limit exceeded").into_response();
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r.headers_mut().insert(HeaderName::from_static("retry-after-ms"), HeaderValue::from_static("100"));
            r
        }
        Fault::Unavailable => ApiError::new(503, "Service temporarily unavailable").into_response(),
        Fault::Internal => ApiError::new(500, "Internal server error").into_response(),
        Fault::Slow => {
            tokio::time::sleep(std::time::Duration::from_millis(shared.faults.slow_ms)).await;
            ApiError::new(503, "Service temporarily unavailable (answered late)").into_response()
        }
        Fault::Malformed => raw(200, "application/json", "{\"id\": \"snap_x\", \"status\": ready,,}".into()),
        Fault::Truncated => raw(200, "application/json", "{\"id\":\"snap_truncated\",\"status\":\"rea".into()),
        Fault::Html => raw(502, "text/html", "<!doctype html><html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>".into()),
        Fault::WrongShape => raw(200, "application/json", "\"not a record\"".into()),
        Fault::NoStatus => raw(200, "application/json", "{\"id\":\"snap_nostatus\",\"snapshot_id\":\"snap_nostatus\"}".into()),
        Fault::Huge => {
            // 8 MB: a record with a very long field.
            let padding = "x".repeat(8 * 1024 * 1024);
            raw(200, "application/json", format!("{{\"id\":\"snap_huge\",\"snapshot_id\":\"snap_huge\",\"status\":\"ready\",\"padding\":\"{padding}\"}}"))
        }
        Fault::Redirect => {
            let to = redirect_to.unwrap_or_else(|| "http://127.0.0.1:9/elsewhere".into());
            let mut r = (StatusCode::TEMPORARY_REDIRECT, "").into_response();
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
    }
}

/// A response whose body fails at once: the connection is dropped without a
/// complete answer, as after a reset.
fn connection_reset() -> Response {
    let failing = futures_util::stream::once(async { Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected reset")) });
    Response::new(Body::from_stream(failing))
}
