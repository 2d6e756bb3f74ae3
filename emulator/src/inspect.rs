//! `GET /_emulator/requests`: what the calling key has sent, so tests can
//! prove that a request never reached the server. Emulator-only; not part of
//! the InstaVM API.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use crate::http::{api_key, json_response, ApiError};
use crate::state::Shared;

pub async fn requests(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let key = api_key(&headers)?;
    let tenants = shared.tenants();
    let log = tenants.get(&key).map(|t| t.requests.clone()).unwrap_or_default();
    Ok(json_response(200, json!({ "count": log.len(), "requests": log })))
}
