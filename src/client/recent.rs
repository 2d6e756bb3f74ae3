//! What one client has made and is making, for the lookups after a lost
//! answer: the ids it has handed back (a record another call of this client
//! returned is never claimed again), and the create-like requests still
//! unanswered (while two identical ones are, a match may be either's).

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

/// How many handed-back ids are remembered: a lookup only looks at records
/// made since its call began, so the recent ones are those that matter.
const CLAIMED_KEPT: usize = 1024;

#[derive(Default)]
struct State {
    claimed: VecDeque<String>,
    pending: HashMap<String, u32>,
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
            state.claimed.pop_front();
        }
        state.claimed.push_back(id.to_string());
    }

    pub fn is_claimed(&self, id: &str) -> bool {
        self.0.borrow().claimed.iter().any(|c| c == id)
    }

    /// Registers an unanswered request (method, path and body: `signature`)
    /// until the returned guard is dropped.
    pub fn pending(&self, signature: String) -> Pending {
        *self.0.borrow_mut().pending.entry(signature.clone()).or_insert(0) += 1;
        Pending { recent: self.clone(), signature }
    }
}

/// An unanswered request, registered while it lives.
#[must_use = "the request counts as pending only while this lives"]
pub struct Pending {
    recent: Recent,
    signature: String,
}

impl Pending {
    /// Whether another call of this client sends the same request and is
    /// unanswered too.
    pub fn has_twin(&self) -> bool {
        self.recent.0.borrow().pending.get(&self.signature).is_some_and(|n| *n > 1)
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut state = self.recent.0.borrow_mut();
        if let Some(n) = state.pending.get_mut(&self.signature) {
            *n -= 1;
            if *n == 0 {
                state.pending.remove(&self.signature);
            }
        }
    }
}
