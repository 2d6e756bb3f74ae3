//! `GET /_emulator/requests`: what the calling key has sent, so tests can
//! prove that a request never reached the server. Emulator-only; not part of
//! the InstaVM API.

use serde_json::json;

use crate::reply::Reply;
use crate::state::Shared;
use crate::wire::{api_key, json_response, ApiError, Request};

/// Logs a `/v1` request under its key.
pub(crate) fn record(shared: &Shared, request: &Request, request_id: &str) {
    let Ok(key) = api_key(request) else { return };
    let entry = json!({
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "idempotency_key": request.header("idempotency-key"),
        "request_id": request_id,
        "seq": shared.next_seq(),
    });
    shared.tenants().entry(key).or_default().requests.push(entry);
}

pub(crate) fn requests(shared: &Shared, request: &Request, _: &[String]) -> Result<Reply, ApiError> {
    let key = api_key(request)?;
    let tenants = shared.tenants();
    let log = tenants.get(&key).map(|t| t.requests.clone()).unwrap_or_default();
    Ok(Reply::Now(json_response(200, json!({ "count": log.len(), "requests": log }))))
}
