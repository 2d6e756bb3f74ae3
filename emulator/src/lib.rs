//! A local stand-in for the InstaVM API, speaking the wire contract in
//! `shared/CONTRACT.md`: the demo page and every test run against it.
//!
//! State lives in memory, per API key. Build progress is derived from the clock
//! at read time (no background tasks), so a snapshot's status depends only on
//! how long ago it was created.

mod faults;
mod http;
mod idempotency;
mod inspect;
mod oci;
mod snapshots;
mod state;
mod time;
mod validate;
mod vms;

use std::sync::Arc;

use axum::routing::{delete, get, post};
use axum::Router;
use tower_http::services::ServeDir;

pub use faults::Fault;
pub use state::Settings;

/// Builds the whole API as a router.
pub fn app(settings: Settings) -> Router {
    let statics = settings.statics.clone();
    let shared = Arc::new(state::Shared::new(settings));
    let mut router = Router::new()
        .route("/v1/snapshots", get(snapshots::list).post(snapshots::create))
        .route("/v1/snapshots/{id}", get(snapshots::get).delete(snapshots::delete))
        .route("/v1/vms", get(vms::list_running).post(vms::create))
        .route("/v1/vms/", get(vms::list_all))
        .route("/v1/vms/{id}", get(vms::get).patch(vms::update).delete(vms::delete))
        .route("/v1/vms/{id}/snapshot", post(vms::snapshot))
        .route("/v1/vms/{id}/clone", post(vms::clone))
        .route("/v1/vms/{id}/suspend", post(vms::suspend))
        .route("/v1/vms/{id}/resume", post(vms::resume))
        .route("/v1/vms/{id}/stage-env", post(vms::stage_env))
        .route("/v1/vms/{id}/volumes", get(vms::list_volumes).post(vms::mount_volume))
        .route("/v1/vms/{id}/volumes/{volume_id}", delete(vms::unmount_volume))
        .route("/_emulator/requests", get(inspect::requests))
        .fallback(http::not_found)
        .method_not_allowed_fallback(http::method_not_allowed);
    for (prefix, dir) in statics {
        // Unknown files answer like unknown API routes: a JSON 404.
        let files = ServeDir::new(dir).not_found_service(axum::routing::any(http::not_found).with_state(()));
        router = if prefix == "/" { router.fallback_service(files) } else { router.nest_service(&prefix, files) };
    }
    router
        .layer(axum::middleware::from_fn_with_state(shared.clone(), idempotency::middleware))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), http::inject_faults))
        .layer(axum::middleware::from_fn_with_state(shared.clone(), http::record_and_tag))
        .layer(http::cors())
        .with_state(shared)
}

/// Parses a `--faults` spec (`429:0.10,reset:0.05`).
pub fn parse_faults(spec: &str) -> Result<Vec<(Fault, f64)>, String> {
    faults::Faults::parse_spec(spec)
}
