//! The pure core: everything that can be decided without a JS host.
//!
//! Nothing here imports wasm-bindgen, js-sys or web-sys, and nothing here panics on
//! any input: the request path runs through it, and a panic in wasm poisons the
//! instance. Time and randomness are passed in, so every schedule is a plain
//! function that native tests can pin down.

pub mod error;
pub mod image;
pub mod keys;
pub mod options;
pub mod path;
pub mod poll;
pub mod reconcile;
pub mod record;
pub mod reuse;
pub mod retry;
pub mod snapshot;
pub mod text;
pub mod validate;
pub mod value;
pub mod vm;

#[cfg(test)]
mod test_support;

pub use error::{ClientError, ErrorKind};
pub use value::Value;
