//! The client proper, in wasm: the transport (one request with its retries,
//! `transport`), the plan of each call and the lookups after a lost answer
//! (`plan`, `recent`), record normalisation (`records`), the snapshot and VM
//! operations (`snapshots`, `vms`, `ops`), the waits (`wait`, `building`),
//! `ensure`, and reading JS arguments (`args`). Built on `platform`; exported
//! to JS only through `api`.
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
