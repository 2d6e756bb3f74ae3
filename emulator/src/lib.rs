//! A local stand-in for the InstaVM API, speaking the wire contract in
//! `shared/CONTRACT.md`: the demo page and every test run against it.
//!
//! State lives in memory, per API key. Build progress is derived from the clock
//! at read time (no background tasks), so a snapshot's status depends only on
//! how long ago it was created.

mod http;
mod inspect;
mod oci;
mod snapshots;
mod state;
mod time;
mod validate;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;

pub use state::Settings;

/// Builds the whole API as a router.
pub fn app(settings: Settings) -> Router {
    let shared = Arc::new(state::Shared::new(settings));
    Router::new()
        .route("/v1/snapshots", get(snapshots::list).post(snapshots::create))
        .route("/v1/snapshots/{id}", get(snapshots::get).delete(snapshots::delete))
        .route("/_emulator/requests", get(inspect::requests))
        .fallback(http::not_found)
        .method_not_allowed_fallback(http::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(shared.clone(), http::record_and_tag))
        .layer(http::cors())
        .with_state(shared)
}
