//! The client proper, in wasm: the transport (one request with its retries),
//! record normalisation, the snapshot operations and the build wait. Built on
//! `platform`; exported to JS only through `api`.
//!
//! This layer sits between the two the layout names: it is not pure (it awaits
//! fetches and timers), yet it holds no bindings of its own, so it is kept out
//! of both `core` and `platform`.

pub mod args;
pub mod building;
pub mod ensure;
pub mod ops;
pub mod plan;
pub mod recent;
pub mod records;
pub mod snapshots;
pub mod transport;
pub mod vms;
pub mod wait;
