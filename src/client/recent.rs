//! What one client has made and is making, for the lookups after a lost
//! answer: the ids it has handed back (a record another call of this client
//! returned is never claimed again), and the create-like requests still
//! unanswered, each either in flight or looking for what it made.
//!
//! A lookup waits until no call whose record it could match (the same
//! lookup: its listing and the fields it compares) has an attempt in flight,
//! since that call's answer could name a record the lookup would take.
//! Identical requests (the same method, path and body) are then
//! interchangeable: which of their records each call hands back does not
//! matter, only that each record goes to one call, so any unclaimed match
//! may be taken while there are no more matches than such calls looking.
//! Calls that match alike but differ (another `snapshot_name`) are not:
//! while one of them is looking too, no match can be told.

use std::cell::RefCell;
use std::rc::Rc;

/// How many handed-back ids are remembered: a lookup only looks at records
/// made since its call began, so the recent ones are those that matter.
const CLAIMED_KEPT: usize = 1024;

/// How often a lookup looks whether its twins' attempts have ended: no
/// request is made, so a short interval costs nothing.
pub const TWINS_POLL_MS: f64 = 20.0;

/// A few entries at a time: plain sequences, not hash maps (a `HashMap`'s
/// hasher costs the wasm kilobytes).
#[derive(Default)]
struct State {
    claimed: Vec<String>,
    /// Each unanswered call.
    pending: Vec<Call>,
    next: u32,
}

/// An unanswered call: its number, its request (method, path and body), its
/// lookup (listing and compared fields), and whether it is looking rather
/// than in flight.
struct Call {
    number: u32,
    request: String,
    lookup: String,
    looking: bool,
}

/// Shared by every call of one client (the client's transport holds it).
#[derive(Default, Clone)]
pub struct Recent(Rc<RefCell<State>>);

impl Recent {
    /// Notes that `id` was handed back to a call.
    pub fn claim(&self, id: &str) {
        if id.is_empty() {
            return;
        }
        let mut state = self.0.borrow_mut();
        if state.claimed.len() >= CLAIMED_KEPT {
            // The older half goes: a lookup looks only at records made since its call began.
            state.claimed.drain(..CLAIMED_KEPT / 2);
        }
        state.claimed.push(id.to_string());
    }

    pub fn is_claimed(&self, id: &str) -> bool {
        self.0.borrow().claimed.iter().any(|c| c == id)
    }

    /// Registers an unanswered call, in flight, until the returned guard is
    /// dropped: `request` names its request (method, path and body),
    /// `lookup` what its lookup compares (listing and fields), `started_ms`
    /// when it began.
    pub fn pending(&self, request: String, lookup: String, started_ms: f64) -> Pending {
        let mut state = self.0.borrow_mut();
        let number = state.next;
        state.next = state.next.wrapping_add(1);
        state.pending.push(Call { number, request, lookup, looking: false });
        Pending { recent: self.clone(), number, started_ms }
    }
}

/// An unanswered call, registered while it lives.
#[must_use = "the call counts as pending only while this lives"]
pub struct Pending {
    recent: Recent,
    number: u32,
    /// When the call began (epoch ms): what it made is no older.
    pub started_ms: f64,
}

impl Pending {
    /// Marks this call as looking for what it made (`true`) or in flight.
    pub fn looking(&self, looking: bool) {
        if let Some(call) = self.recent.0.borrow_mut().pending.iter_mut().find(|c| c.number == self.number) {
            call.looking = looking;
        }
    }

    /// How many calls may share this one's matches: `None` while a call
    /// whose record this lookup could match is in flight; else the calls of
    /// the identical request looking, this one included, or 0 when a call
    /// that matches alike but is another request is looking too (then no
    /// match can be told).
    pub fn lookers(&self) -> Option<usize> {
        let state = self.recent.0.borrow();
        let me = state.pending.iter().find(|c| c.number == self.number)?;
        let alike = state.pending.iter().filter(|c| c.lookup == me.lookup);
        if alike.clone().any(|c| !c.looking) {
            return None;
        }
        let identical = alike.clone().filter(|c| c.request == me.request).count();
        Some(if identical == alike.count() { identical } else { 0 })
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut state = self.recent.0.borrow_mut();
        if let Some(at) = state.pending.iter().position(|c| c.number == self.number) {
            state.pending.swap_remove(at);
        }
    }
}
