//! The `ensure` builds this JS realm is starting, shared by every client in
//! it: while one call creates the snapshot of a spec, the others ensuring
//! that spec on the same API and key wait for it to be answered, then list
//! again and join the build, instead of starting their own. The API has no
//! idempotency key to make concurrent creates one, so within a process this
//! is what does.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Function, Promise};

thread_local! {
    /// Spec key -> a Promise that settles when its create has been answered.
    static UNDER_WAY: RefCell<HashMap<String, Promise>> = RefCell::new(HashMap::new());
}

/// The create under way for `key`, if another call is making it.
pub fn under_way(key: &str) -> Option<Promise> {
    UNDER_WAY.with(|m| m.borrow().get(key).cloned())
}

/// Registers this call as the one creating `key`'s snapshot, until the
/// returned guard is dropped (however the call ends).
pub fn lead(key: String) -> Leading {
    let mut resolve = None;
    let settled = Promise::new(&mut |res, _| resolve = Some(res));
    UNDER_WAY.with(|m| m.borrow_mut().insert(key.clone(), settled));
    Leading { key, resolve }
}

/// The call creating a snapshot; those waiting on it go on when it drops.
#[must_use = "the create counts as under way only while this lives"]
pub struct Leading {
    key: String,
    resolve: Option<Function>,
}

impl Drop for Leading {
    fn drop(&mut self) {
        UNDER_WAY.with(|m| m.borrow_mut().remove(&self.key));
        if let Some(resolve) = self.resolve.take() {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    }
}
