//! instavm-wasm: the InstaVM snapshot and VM API client, compiled to WebAssembly.
//!
//! Four layers, each a folder:
//! - [`core`]: pure Rust (no JS types): validation, request building, error
//!   classification, retry and poll schedules. Tested natively with `cargo test`.
//! - `platform`: the only code that touches JS globals (fetch, timers, AbortSignal).
//! - `client`: the transport, record normalisation and waits, built on `platform`.
//! - `api`: the thin wasm-bindgen exports that the hand-written `js/` layer wraps.

// The shipped wasm is built without std (feature `no-std`, set only by
// scripts/lib/build.mjs): it then carries none of std's panic hook and the
// formatting it pulls in (see `panic` below). Every other build (native
// tests, wasm-bindgen-test binaries, which link std themselves) keeps std;
// the code is written against `alloc` so it compiles either way.
#![cfg_attr(all(feature = "no-std", target_arch = "wasm32"), no_std)]

extern crate alloc;

/// The std prelude's allocating types, which a no_std crate imports itself.
#[allow(unused_imports)] // `Box` is used only by the wasm layers.
mod prelude {
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

/// Joins message pieces (strings, chars, booleans, whole numbers) into a
/// String without `core::fmt`; see core/text.rs.
macro_rules! cat {
    ($($piece:expr),* $(,)?) => {
        $crate::core::text::concat(&[$(&$piece as &dyn $crate::core::text::Piece),*])
    };
}

pub mod core;

#[cfg(target_arch = "wasm32")]
mod platform;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: platform::alloc::SizeClassAlloc = platform::alloc::SizeClassAlloc::new();

#[cfg(target_arch = "wasm32")]
pub mod api;

#[cfg(target_arch = "wasm32")]
mod client;

/// In the shipped wasm a panic traps at once. Nothing would print the
/// message (wasm32-unknown-unknown has no stderr).
#[cfg(all(feature = "no-std", target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}
