//! The only code that touches JS globals: `fetch` (`fetch(url, init)` per
//! attempt, the answer's status and headers read through gloo-net's
//! `Response`), timers (gloo-timers), `AbortSignal` (web-sys), the clock,
//! randomness, JS values (serde-wasm-bindgen) and JS error objects. Nothing
//! here goes through `window`, so one build runs in pages, workers, Node,
//! Deno, Bun and workerd.

pub mod abort;
pub mod convert;
pub mod errors;
pub mod fetch;
pub mod random;
pub mod timer;
