//! The only code that touches JS globals: `fetch`, timers, `AbortSignal`, the
//! clock, randomness and JS error objects. It binds the *global* `fetch` and
//! `setTimeout` (never `window`), so one build runs in pages, workers, Node,
//! Deno, Bun and workerd.

pub mod alloc;
pub mod bindings;
pub mod convert;
pub mod errors;
pub mod fetch;
pub mod global;
pub mod random;
pub mod task;
pub mod timer;
