//! The `ensure` builds this JS realm is starting, shared by every client in
//! it: while one call creates the snapshot of a spec, the others ensuring
//! that spec on the same API and key wait for it to be answered, then list
//! again and join the build, instead of starting their own. The API has no
//! idempotency key to make concurrent creates one, so within a process this
//! is what does.

use std::cell::RefCell;

thread_local! {
    /// The specs being created. A few at a time: a list, not a hash map
    /// (whose hasher costs the wasm kilobytes).
    static UNDER_WAY: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// How often a waiting call looks whether the create it waits on was
/// answered: no request is made, so a short interval costs nothing.
pub const LOOK_AGAIN_MS: f64 = 25.0;

/// Whether another call of this realm is creating `key`'s snapshot.
pub fn under_way(key: &str) -> bool {
    UNDER_WAY.with(|m| m.borrow().iter().any(|k| k == key))
}

/// Registers this call as the one creating `key`'s snapshot, until the
/// returned guard is dropped (however the call ends).
pub fn lead(key: String) -> Leading {
    UNDER_WAY.with(|m| m.borrow_mut().push(key.clone()));
    Leading { key }
}

/// The call creating a snapshot; those waiting on it go on once it drops.
#[must_use = "the create counts as under way only while this lives"]
pub struct Leading {
    key: String,
}

impl Drop for Leading {
    fn drop(&mut self) {
        UNDER_WAY.with(|m| {
            let mut keys = m.borrow_mut();
            if let Some(at) = keys.iter().position(|k| *k == self.key) {
                keys.swap_remove(at);
            }
        });
    }
}
