//! The InstaVM API emulator as a state machine with no host in it: the API's
//! routes, statuses and JSON shapes, per-key state, builds and VM lifecycles
//! that follow the clock, injected faults and, when switched on, the replay
//! of `Idempotency-Key`s (an assumption beyond InstaVM's documented API).
//!
//! A host hands each request to [`Emulator::handle`] and gets an
//! [`Outcome`]: an answer, a dropped connection, or "ask again after `ms`"
//! ([`Emulator::resume`]), which is how latency, slow answers and the calls
//! that answer only once a VM has booted are told without a runtime here.
//! Time comes from the host's [`Clock`]. One host: the wasm build behind
//! `instavm-wasm/testing`, which `npx instavm-emulator` serves over HTTP.

mod attach;
mod faults;
mod idempotency;
mod inspect;
mod lookup;
mod oci;
mod reply;
mod routes;
mod snapshots;
mod state;
mod time;
mod validate;
mod vms;
mod wire;

use std::sync::Arc;

pub use faults::Fault;
pub use reply::Then;
pub use state::{Clock, Settings};
pub use time::iso_from_epoch_ms;
pub use wire::{Request, Response};

use reply::{Claim, Lost, Reply, Step};
use state::Shared;
use wire::{preflight, with_cors, ApiError};

/// Parses a `--faults` spec (`429:0.10,reset:0.05`).
pub fn parse_faults(spec: &str) -> Result<Vec<(Fault, f64)>, String> {
    faults::Faults::parse_spec(spec)
}

/// Bodies above this are refused (413) before anything is parsed.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// What became of a request.
pub enum Outcome {
    Answer(Response),
    /// The connection is dropped without a complete answer (the `reset`
    /// fault, and `lost`); on a POST, PATCH or DELETE the server acted first.
    Reset,
    /// Wait `ms` on the host's clock, then [`Emulator::resume`] with `then`.
    Later { ms: u64, then: Then },
}

pub struct Emulator {
    shared: Shared,
}

impl Emulator {
    pub fn new(settings: Settings, clock: Arc<dyn Clock>) -> Emulator {
        Emulator { shared: Shared::new(settings, clock) }
    }

    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// The `/v1` requests received, oldest first: one key's, or every key's.
    pub fn requests(&self, key: Option<&str>) -> Vec<serde_json::Value> {
        let tenants = self.shared.tenants();
        match key {
            Some(k) => tenants.get(k).map(|t| t.requests.clone()).unwrap_or_default(),
            None => {
                let mut all: Vec<serde_json::Value> = tenants.values().flat_map(|t| t.requests.iter().cloned()).collect();
                all.sort_by_key(|r| r.get("seq").and_then(serde_json::Value::as_u64).unwrap_or(0));
                all
            }
        }
    }

    /// Takes one request. Every answer carries `X-Request-Id` and CORS headers.
    pub fn handle(&self, request: Request) -> Outcome {
        if request.method == "OPTIONS" {
            return Outcome::Answer(preflight(&request));
        }
        let request_id = self.shared.new_request_id();
        let api = request.path.starts_with("/v1");
        if api {
            inspect::record(&self.shared, &request, &request_id);
        }
        let latency = if api { self.shared.faults.latency_ms() } else { None };
        let then = Then { request_id, idem: None, lost: None, step: Step::Proceed(request) };
        match latency {
            Some(ms) if ms > 0 => Outcome::Later { ms, then },
            _ => self.resume(then),
        }
    }

    /// Carries on with a request once its wait is over.
    pub fn resume(&self, then: Then) -> Outcome {
        let Then { request_id, mut idem, mut lost, step } = then;
        let reply = match step {
            Step::Proceed(request) => self.act(request, &mut idem, &mut lost),
            Step::Retry(request) => idempotency::check(&self.shared, request, &mut idem),
            Step::Answer(response) => Reply::Now(response),
            Step::Vm { key, id, status } => vms::answer(&self.shared, &key, &id, status),
            Step::Snapshot { key, id, fallback } => snapshots::answer(&self.shared, &key, &id, fallback),
        };
        match reply {
            Reply::Later { ms, step } => Outcome::Later { ms, then: Then { request_id, idem, lost, step } },
            Reply::Reset => Outcome::Reset,
            Reply::Now(mut response) => {
                if let Some(claim) = idem {
                    idempotency::settle(&self.shared, claim, &response);
                }
                match lost {
                    Some(Lost::Dropped) => return Outcome::Reset,
                    Some(Lost::Gateway(status)) => response = faults::gateway_answer(status),
                    None => {}
                }
                response.set_header("x-request-id", request_id);
                Outcome::Answer(with_cors(response))
            }
        }
    }

    /// Injected faults first, then the body limit, then idempotency (when
    /// replay is switched on) and the route.
    fn act(&self, request: Request, idem: &mut Option<Claim>, lost: &mut Option<Lost>) -> Reply {
        if request.path.starts_with("/v1") {
            if let Some(reply) = faults::strike(&self.shared.faults, &request, lost) {
                return reply;
            }
        }
        if request.body.len() > MAX_BODY_BYTES {
            return Reply::Now(ApiError::new(413, "Request body too large").into_response());
        }
        if self.shared.settings.idempotency {
            return idempotency::check(&self.shared, request, idem);
        }
        routes::route(&self.shared, &request)
    }
}
