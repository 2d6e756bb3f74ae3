//! instavm-wasm: the InstaVM snapshot and VM API client, compiled to WebAssembly.
//!
//! Four layers, each a folder:
//! - [`core`]: pure Rust (no JS types): validation, request building, error
//!   classification, retry and poll schedules. Tested natively with `cargo test`.
//! - `platform`: the only code that touches JS globals (the global or the
//!   user's `fetch`, called as `fetch(url, init)`, with the answer read
//!   through gloo-net's `Response`; timers through gloo-timers; AbortSignal;
//!   JS values through serde-wasm-bindgen).
//! - `client`: the transport, record normalisation and waits, built on `platform`.
//! - `api`: the thin wasm-bindgen exports that the hand-written `js/` layer wraps.

pub mod core;

#[cfg(target_arch = "wasm32")]
mod platform;

#[cfg(target_arch = "wasm32")]
pub mod api;

#[cfg(target_arch = "wasm32")]
mod client;

/// talc instead of std's dlmalloc: 2.8 KB smaller in the gzipped wasm. The
/// wasm is single-threaded (no `atomics`), which this allocator assumes.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
