//! instavm-wasm: the InstaVM snapshot and VM API client, compiled to WebAssembly.
//!
//! Three layers, each a folder:
//! - [`core`]: pure Rust (no JS types): validation, request building, error
//!   classification, retry and poll schedules. Tested natively with `cargo test`.
//! - `platform`: the only code that touches JS globals (fetch, timers, AbortSignal).
//! - `api`: the thin wasm-bindgen exports that the hand-written `js/` layer wraps.

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
