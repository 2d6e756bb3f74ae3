//! What one client has made and is making, for the lookups after a lost
//! answer: the ids it has handed back (a record another call of this client
//! returned is never claimed again), and the create-like requests still
//! unanswered, each either in flight or looking for what it made.
//!
//! Identical requests of one client (the same method, path and body) are
//! interchangeable: which of their records each call hands back does not
//! matter, only that each record goes to one call. So a lookup waits until
//! none of its twins has an attempt in flight (whose answer could name a
//! record the lookup would take), and may then take any unclaimed match
//! while there are no more matches than twins looking.

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
    /// Each unanswered call: its number, its request's signature, and
    /// whether it is looking (rather than in flight).
    pending: Vec<(u32, String, bool)>,
    next: u32,
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

    /// Registers an unanswered call of this request (method, path and body:
    /// `signature`), in flight, until the returned guard is dropped.
    pub fn pending(&self, signature: String) -> Pending {
        let mut state = self.0.borrow_mut();
        let number = state.next;
        state.next = state.next.wrapping_add(1);
        state.pending.push((number, signature, false));
        Pending { recent: self.clone(), number }
    }
}

/// An unanswered call, registered while it lives.
#[must_use = "the call counts as pending only while this lives"]
pub struct Pending {
    recent: Recent,
    number: u32,
}

impl Pending {
    /// Marks this call as looking for what it made (`true`) or in flight.
    pub fn looking(&self, looking: bool) {
        if let Some(entry) = self.recent.0.borrow_mut().pending.iter_mut().find(|(n, ..)| *n == self.number) {
            entry.2 = looking;
        }
    }

    /// How many calls of this request are looking, this one included, or
    /// `None` while one of them is in flight.
    pub fn lookers(&self) -> Option<usize> {
        let state = self.recent.0.borrow();
        let signature = &state.pending.iter().find(|(n, ..)| *n == self.number)?.1;
        let twins = state.pending.iter().filter(|(_, s, _)| s == signature);
        twins.clone().all(|(.., looking)| *looking).then(|| twins.count())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut state = self.recent.0.borrow_mut();
        if let Some(at) = state.pending.iter().position(|(n, ..)| *n == self.number) {
            state.pending.swap_remove(at);
        }
    }
}
