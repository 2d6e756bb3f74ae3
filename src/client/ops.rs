//! Every operation is planned synchronously (validated, its request built)
//! and then run by one executor. Keeping a single async path, rather than one
//! async function per method, keeps the wasm small: each async function
//! compiles to its own state machine with the transport inlined.

use wasm_bindgen::JsValue;

use super::ensure::{self, Ensure};
use super::plan::{self, Plan};
use super::transport::{Begun, Transport};
use super::wait::{self, Target, WaitContext};
use crate::platform::errors::Failure;

pub enum Op {
    Request(Plan),
    /// A wait with no request first: `waitUntilReady(id)`.
    Wait { target: Target, id: String, ctx: WaitContext },
    /// `snapshots.ensure`: list, then reuse, join or build.
    Ensure(Box<Ensure>),
}

/// Hands the operation's first request to `fetch` at once, inside the
/// method call: a queued microtask (the runtime's clean-up of the previous
/// response, say) then overlaps the wait for the network instead of
/// delaying the request. `execute` carries on from it.
pub fn begin(t: &Transport, op: &Op) -> Begun {
    match op {
        Op::Request(plan) => t.begin(&plan.call),
        Op::Wait { target, id, ctx } => wait::begin(t, *target, id, ctx),
        Op::Ensure(e) => ensure::begin(t, e),
    }
}

pub async fn execute(t: &Transport, op: Op, begun: Begun) -> Result<JsValue, Failure> {
    match op {
        Op::Wait { target, id, ctx } => wait::until(t, target, &id, &ctx, JsValue::UNDEFINED, Some(begun)).await,
        Op::Ensure(e) => ensure::run(t, *e, begun).await,
        Op::Request(plan) => {
            let scrub = plan.scrub.clone();
            plan::run(t, plan, begun).await.map_err(|f| if scrub.is_empty() { f } else { f.scrubbed(&scrub) })
        }
    }
}
