//! Module-level state for the wasm build, in place of std's `thread_local!`
//! (which a no_std crate does not have).

use core::cell::RefCell;

/// A value shared by the whole instance.
///
/// wasm32-unknown-unknown is built without the atomics feature, so an
/// instance only ever runs on one thread: nothing can observe the cell from
/// two threads, which is what `Sync` promises the compiler.
pub struct Global<T>(RefCell<T>);

unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    pub const fn new(value: T) -> Self {
        Global(RefCell::new(value))
    }

    /// Runs `f` with the cell, as `LocalKey::with` did.
    pub fn with<R>(&self, f: impl FnOnce(&RefCell<T>) -> R) -> R {
        f(&self.0)
    }
}
