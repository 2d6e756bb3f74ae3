//! `Idempotency-Key` on POST, for every route: the same key with the same
//! body gets the first answer again (whatever happened to it on the way
//! back); the same key with another body is a 409. Keys are per API key and
//! per path.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::{api_key, ApiError};
use crate::state::Shared;

/// Bodies above this are refused before they are buffered.
const MAX_BODY: usize = 4 * 1024 * 1024;

pub async fn middleware(State(shared): State<Arc<Shared>>, request: Request<Body>, next: Next) -> Response {
    let idem = request.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let (Some(idem), true) = (idem, request.method() == Method::POST) else { return next.run(request).await };
    let Ok(key) = api_key(request.headers()) else { return next.run(request).await };
    let scope = format!("{} {}", request.uri().path(), idem);
    // Requests with the same key take turns: a repeat that arrives while the
    // first is still being handled (its client gave up waiting) must wait
    // for it and replay its answer, not act a second time.
    let turn = shared.idempotency_lock(&key, &scope);
    let _turn = turn.lock().await;
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return ApiError::new(413, "Request body too large").into_response();
    };
    if let Some(answer) = replay(&shared, &key, &scope, &bytes) {
        return answer;
    }
    let response = next.run(Request::from_parts(parts, Body::from(bytes.clone()))).await;
    // Only answers that did something are remembered: a refusal may be retried.
    if !response.status().is_success() {
        return response;
    }
    let status = response.status();
    let (head, body) = response.into_parts();
    let Ok(answer) = to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut tenants = shared.tenants();
    let tenant = tenants.entry(key).or_default();
    tenant.idempotency.entry(scope).or_insert((bytes.to_vec(), status.as_u16(), answer.to_vec()));
    Response::from_parts(head, Body::from(answer))
}

fn replay(shared: &Shared, key: &str, scope: &str, body: &[u8]) -> Option<Response> {
    let tenants = shared.tenants();
    let (first_body, status, answer) = tenants.get(key)?.idempotency.get(scope)?;
    if first_body.as_slice() != body {
        return Some(ApiError::new(409, "Idempotency-Key was already used with a different request body").into_response());
    }
    let mut r = (StatusCode::from_u16(*status).unwrap_or(StatusCode::OK), answer.clone()).into_response();
    r.headers_mut().insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    Some(r)
}
