//! `Idempotency-Key` on POST: the same key with the same body gets the first
//! answer again; with another body, a 409.

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

use crate::http::{json_response, ApiError};
use crate::state::Tenant;

pub fn key_of(headers: &HeaderMap) -> Option<String> {
    headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// The stored answer for a repeated request, a 409 for a reused key, or
/// `None` for a request not seen before.
pub fn replay(tenant: Option<&Tenant>, key: Option<&str>, scope: &str, body: &Value) -> Result<Option<Response>, ApiError> {
    let (Some(tenant), Some(key)) = (tenant, key) else { return Ok(None) };
    match tenant.idempotency.get(&scoped(scope, key)) {
        Some((first_body, first_answer)) if first_body == body => Ok(Some(json_response(201, first_answer.clone()))),
        Some(_) => Err(ApiError::new(409, "Idempotency-Key was already used with a different request body")),
        None => Ok(None),
    }
}

pub fn remember(tenant: &mut Tenant, key: Option<String>, scope: &str, body: Value, answer: &Value) {
    if let Some(key) = key {
        tenant.idempotency.insert(scoped(scope, &key), (body, answer.clone()));
    }
}

/// Keys are per route: the same key may be used once for a snapshot and once for a VM.
fn scoped(scope: &str, key: &str) -> String {
    format!("{scope} {key}")
}
