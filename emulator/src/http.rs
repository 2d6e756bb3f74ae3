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
