//! A planned request: what to send, how to read the answer, what follows it
//! (a wait, a lookup by idempotency key), and the loop that sends it. The
//! operations build plans synchronously; `ops` runs them.


use wasm_bindgen::JsValue;

use super::args::CallArgs;
use super::records;
use super::transport::{Begun, Call, Transport};
use super::wait::{self, Target, WaitContext};
use crate::core::options::parse_call_options;
use crate::core::retry::{self, Method};
use crate::core::vm::IDEMPOTENCY_METADATA_KEY;
use crate::core::record::VM_ALIASES;
use crate::core::ErrorKind;
use web_sys::AbortSignal;
use crate::platform::convert::get;
use crate::platform::errors::Failure;
use crate::platform::{random, timer};

/// What a successful answer must look like.
pub enum Shape {
    /// One JSON object, given both sides of these alias pairs.
    One(&'static [(&'static str, &'static str)]),
    /// A bare JSON array of such objects.
    Many(&'static [(&'static str, &'static str)]),
    /// Anything; an empty body becomes `{ success: true }`.
    Ack,
    /// Nothing is handed back but `{ success: true }` (stage-env: values stay unseen).
    Hidden,
}

/// One request and what follows it.
pub struct Plan {
    /// The request, which its attempts read as it is: nothing is copied
    /// out of the plan to send it.
    pub call: Call,
    pub shape: Shape,
    /// Wait on the record the answer names, until the target is reached.
    pub then_wait: Option<(Target, WaitContext)>,
    /// For VM creates: the call's idempotency key is also in `metadata`, so
    /// the VM is first looked for by listing (for a server that ignores the
    /// header).
    pub find_vm_by_key: bool,
    /// Values removed from any failure's message (staged secrets).
    pub scrub: Vec<String>,
}

impl Plan {
    pub fn new(method: Method, path: String, shape: Shape) -> Plan {
        Plan { call: Call::new(method, path), shape, then_wait: None, find_vm_by_key: false, scrub: Vec::new() }
    }
}

/// One planned request: sent, retried with its key when ambiguous, shaped,
/// then followed when the plan says so.
pub(super) async fn run(t: &Transport, mut plan: Plan, begun: Begun) -> Result<JsValue, Failure> {
    let then_wait = plan.then_wait.take();
    let (value, _) = send(t, &plan, begun).await?;
    match then_wait {
        None => Ok(value),
        Some((target, ctx)) => {
            let id = get(&value, target.id_field).as_string().unwrap_or_default();
            wait::until(t, target, &id, &ctx, value, None).await
        }
    }
}

/// The plan's request, repeated with the same idempotency key after an
/// ambiguous failure; the shaped answer, and whether the server said it
/// replayed an earlier answer to that key (`Idempotent-Replayed: true`).
///
/// For creates the call carries an idempotency key, fixed in advance, so
/// that after an ambiguous failure (the answer lost, the server may have
/// acted) the create is repeated with the same key, which the server
/// answers with what it already made rather than making it twice.
pub(super) async fn send(t: &Transport, plan: &Plan, begun: Begun) -> Result<(JsValue, bool), Failure> {
    let call = &plan.call;
    let mut begun = Some(begun);
    let mut attempt = 0;
    loop {
        let first = begun.take().unwrap_or_else(|| t.begin(call));
        let reply = t.complete(call, first).await;
        let failure = match reply.and_then(|reply| {
            // Read only for keyed requests: every header read is a crossing and a copy.
            let replayed = call.idempotency_key.is_some() && reply.header("idempotent-replayed").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            shaped(reply, &plan.shape).map(|v| (v, replayed))
        }) {
            Ok(answer) => return Ok(answer),
            Err(f) => f,
        };
        let Some(key) = call.idempotency_key.as_deref().filter(|_| is_ambiguous(&failure)) else { return Err(failure) };
        if plan.find_vm_by_key {
            if let Some(vm) = find_vm(t, key, call.signal.as_ref()).await {
                return Ok((vm, false));
            }
        }
        if attempt >= t.max_retries(call) {
            return Err(failure);
        }
        timer::sleep(retry::backoff_ms(attempt, random::unit()), call.signal.as_ref()).await.map_err(Failure::Raw)?;
        attempt += 1;
    }
}

/// The VM whose metadata carries `key`, if listing works and finds one. A
/// failed lookup is not fatal: the create is then repeated with the key.
async fn find_vm(t: &Transport, key: &str, signal: Option<&AbortSignal>) -> Option<JsValue> {
    let reply = t.send(&Call::get("/v1/vms/".into(), signal.cloned())).await.ok()?;
    let all = js_sys::Array::from(&records::many(reply, &VM_ALIASES).ok()?);
    all.iter().find(|vm| get(&get(vm, "metadata"), IDEMPOTENCY_METADATA_KEY).as_string().as_deref() == Some(key))
}

fn shaped(reply: super::transport::Reply, shape: &Shape) -> Result<JsValue, Failure> {
    match shape {
        Shape::One(aliases) => records::one(reply, aliases),
        Shape::Many(aliases) => records::many(reply, aliases),
        Shape::Ack => Ok(records::acknowledged(reply)),
        Shape::Hidden => Ok(records::success()),
    }
}

/// Failures after which a create may or may not have happened: the
/// connection dropped, the request timed out, a gateway gave up (the API
/// documents 504s for long VM creates that did create the VM), or a 2xx
/// answer could not be read.
fn is_ambiguous(f: &Failure) -> bool {
    match f {
        Failure::Client(d) => match d.error.kind {
            ErrorKind::Network | ErrorKind::Timeout => true,
            ErrorKind::Server => matches!(d.error.status, Some(500 | 502 | 504)),
            ErrorKind::Api => d.error.status.is_some_and(|s| (200..300).contains(&s)),
            _ => false,
        },
        Failure::Raw(_) => false,
    }
}

/// A plan for `method path` with the per-call options `{ signal, timeoutMs }`.
pub fn planned(method: Method, path: String, shape: Shape, args: &CallArgs) -> Result<Plan, Failure> {
    planned_with(method, path, shape, args, &[])
}

/// [`planned`] for a method whose options also take the `extra` keys (read
/// by the method itself): any other key is refused by name.
pub fn planned_with(method: Method, path: String, shape: Shape, args: &CallArgs, extra: &[&str]) -> Result<Plan, Failure> {
    let parsed = parse_call_options(args.options(), extra)?;
    let mut plan = Plan::new(method, path, shape);
    plan.call.signal = args.signal()?;
    plan.call.timeout_ms = parsed.timeout_ms;
    Ok(plan)
}
