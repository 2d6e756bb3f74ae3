//! What a route hands back, and the state of a request part-way through:
//! the vocabulary every module answers in. It depends on nothing of the
//! crate but the wire types, so any module can use it without reaching back
//! into the crate root.

use serde_json::Value;

use crate::wire::{Request, Response};

/// What a route hands back.
pub(crate) enum Reply {
    Now(Response),
    Later { ms: u64, step: Step },
    Reset,
}

/// The continuation of a request that waits.
pub(crate) enum Step {
    /// Latency is over: act on it.
    Proceed(Request),
    /// An idempotent repeat waiting for the first request with its key.
    Retry(Request),
    /// A fixed answer, given late (the `slow` fault).
    Answer(Response),
    /// The VM's record as it is by then.
    Vm { key: String, id: String, status: u16 },
    /// The snapshot's record as it is by then, or `fallback` when it is gone.
    Snapshot { key: String, id: String, fallback: Value },
}

/// A request part-way through: what to do when its wait is over. A host
/// holds it opaquely and hands it back to `Emulator::resume`.
pub struct Then {
    pub(crate) request_id: String,
    pub(crate) idem: Option<Claim>,
    /// What becomes of the answer once the request has acted: lost on the
    /// way back (`reset` on a mutating method, `lost`, `gateway`).
    pub(crate) lost: Option<Lost>,
    pub(crate) step: Step,
}

/// An answer lost after the server acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lost {
    /// The connection drops before the answer is complete.
    Dropped,
    /// A gateway in front answers this status (502 or 504) instead.
    Gateway(u16),
}

/// A first request holding its `Idempotency-Key` until it is answered.
pub(crate) struct Claim {
    /// The API key whose tenant holds the entry.
    pub(crate) key: String,
    /// The path and the idempotency key: the entry's name.
    pub(crate) scope: String,
}
