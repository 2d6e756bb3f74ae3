//! A planned request: what to send, how to read the answer, what follows it
//! (a wait, a lookup after a lost answer), and the loop that sends it. The
//! operations build plans synchronously; `ops` runs them.


use js_sys::Array;
use wasm_bindgen::JsValue;

use super::args::CallArgs;
use super::recent::{Pending, TWINS_POLL_MS};
use super::records;
use super::transport::{Begun, Call, Transport};
use super::wait::{self, Target, WaitContext};
use crate::core::options::parse_call_options;
use crate::core::reconcile::{self, Context, Note, Verdict};
use crate::core::retry::{self, Acted, Budget, Method, Next, Outcome};
use crate::core::Value;
use crate::platform::convert::{from_js, get};
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
    /// For requests that make something: how to find what it made when its
    /// answer is lost.
    pub lookup: Option<Lookup>,
    /// Values removed from any failure's message (staged secrets).
    pub scrub: Vec<String>,
}

/// Where to look for what a create-like request made, and how to know it.
pub struct Lookup {
    /// The listing to read (`/v1/snapshots`, `/v1/vms/`).
    pub path: String,
    pub aliases: &'static [(&'static str, &'static str)],
    /// The records' id field (`id`, `vm_id`), empty where they have none.
    pub id_field: &'static str,
    /// The fields the made record carries: dotted paths and values.
    pub wanted: Vec<(String, Value)>,
    /// What is looked for, for messages (`snapshot`, `VM`, `mount`).
    pub noun: &'static str,
    /// The field that names a record in messages (`id`, `mount_path`).
    pub label: &'static str,
}

impl Lookup {
    /// The listing and the fields compared: calls whose lookups are the
    /// same could each take the other's record.
    fn signature(&self) -> String {
        let fields = self.wanted.iter().map(|(k, v)| Value::Array(vec![Value::String(k.clone()), v.clone()])).collect();
        format!("{}\n{}", self.path, Value::Array(fields).to_json())
    }

    /// Notes that `record` was handed back to a call of this client, so that
    /// no other call's lookup takes it.
    fn claim(&self, t: &Transport, record: &JsValue) {
        t.recent.claim(&get(record, self.id_field).as_string().unwrap_or_default());
    }
}

impl Plan {
    pub fn new(method: Method, path: String, shape: Shape) -> Plan {
        Plan { call: Call::new(method, path), shape, then_wait: None, lookup: None, scrub: Vec::new() }
    }

    /// Makes this a request that is looked for after a lost answer, with one
    /// idempotency key for all of its attempts (kept: it costs nothing, and
    /// a server that honours it answers a repeat with what it made).
    pub fn looked_up(mut self, lookup: Lookup) -> Plan {
        if self.call.idempotency_key.is_none() {
            self.call.idempotency_key = Some(random::idempotency_key());
        }
        self.lookup = Some(lookup);
        self
    }
}

/// One planned request: sent, looked for after a lost answer, shaped, then
/// followed when the plan says so.
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

/// The plan's request with the one retry loop of a call: the transport
/// retries what is safe to repeat; after a failure that may have acted,
/// the plan's lookup runs first (its requests are not the call's attempts),
/// and the request is sent again, within the same budget, only when the
/// lookup shows that nothing was made. Returns the shaped answer, and
/// whether the server said it replayed an earlier answer to the key
/// (`Idempotent-Replayed: true`, from a server that honours the key).
pub(super) async fn send(t: &Transport, plan: &Plan, begun: Begun) -> Result<(JsValue, bool), Failure> {
    let call = &plan.call;
    // Only a request with a lookup is registered, and reads the clock.
    let pending = plan.lookup.as_ref().map(|l| t.recent.pending(signature(call), l.signature(), timer::now_ms()));
    let mut budget = Budget::new();
    let mut begun = Some(begun);
    loop {
        let first = begun.take().unwrap_or_else(|| t.begin(call));
        let answer = t.complete(call, first, &mut budget).await.and_then(|reply| {
            // Read only for keyed requests: every header read is a crossing and a copy.
            let replayed = call.idempotency_key.is_some() && reply.replayed();
            shaped(reply, &plan.shape).map(|v| (v, replayed)).map_err(|f| {
                // A 2xx whose record cannot be read: the request acted.
                budget.last = Some(Outcome::Unreadable);
                if matches!(call.method, Method::Post | Method::Patch) { f.acted(true, "", JsValue::UNDEFINED) } else { f }
            })
        });
        let failure = match answer {
            Ok((value, replayed)) => {
                if let Some(lookup) = &plan.lookup {
                    lookup.claim(t, &value);
                }
                return Ok((value, replayed));
            }
            Err(f) if f.may_have_acted() => f,
            Err(f) => return Err(f),
        };
        let (Some(lookup), Some(pending)) = (&plan.lookup, &pending) else {
            return Err(failure.acted(true, &reconcile::note(Note::MayHaveActed), JsValue::UNDEFINED));
        };
        let outcome = budget.last.unwrap_or(Outcome::Network);
        // After a timeout or a 504 the server may still be at work: the
        // lookup waits the backoff first, so that what it makes can show.
        let waited = matches!(outcome, Outcome::Timeout | Outcome::Status(504));
        if waited {
            timer::sleep(retry::backoff_ms(budget.retries_used, random::unit()), call.signal.as_ref()).await.map_err(Failure::Raw)?;
        }
        match look(t, call, lookup, pending).await {
            Found::Made(record) => {
                lookup.claim(t, &record);
                return Ok((record, false));
            }
            Found::CannotTell(candidates, note) => return Err(failure.acted(true, &note, candidates)),
            Found::Aborted(reason) => return Err(Failure::Raw(reason)),
            Found::NothingMade => match retry::decide(call.method, outcome, Acted::NothingFound, budget.retries_used, t.max_retries(call), failure.retry_after_ms(), random::unit()) {
                Next::Retry(ms) => {
                    t.tell_retry(call, budget.retries_used + 1, failure, if waited { 0.0 } else { ms })?;
                    if !waited {
                        timer::sleep(ms, call.signal.as_ref()).await.map_err(Failure::Raw)?;
                    }
                    budget.retries_used += 1;
                }
                // The server answered: it acted, although its record is not listed.
                _ if outcome == Outcome::Unreadable => return Err(failure.acted(true, &reconcile::note(Note::NotListed(lookup.noun)), JsValue::UNDEFINED)),
                _ => return Err(failure.acted(false, &reconcile::note(Note::NothingFound(lookup.noun)), JsValue::UNDEFINED)),
            },
        }
    }
}

/// What a lookup found.
enum Found {
    Made(JsValue),
    NothingMade,
    /// The records that may be the call's (a JS array), and what to tell the user.
    CannotTell(JsValue, String),
    /// The caller's signal aborted the wait for twins: its reason.
    Aborted(JsValue),
}

/// Records made less than this before the call began (by the server's clock,
/// read from the lookup's `Date` header) may still be the call's: the header
/// has whole seconds, and the call's first attempt left before `started_ms`
/// was read. Where the runtime shows no `Date` (a page calling another
/// origin, an in-process server), time rules nothing out: the local clock
/// may be far from the server's, and a record wrongly ruled out would be
/// made again.
const SLACK_MS: f64 = 2_000.0;

/// Lists what the call would have made and decides (`core::reconcile`),
/// once none of this client's identical calls has an attempt in flight
/// (`recent`): their answers could name a record this lookup would take.
async fn look(t: &Transport, call: &Call, lookup: &Lookup, pending: &Pending) -> Found {
    pending.looking(true);
    let found = loop {
        if pending.lookers().is_none() {
            if let Err(e) = timer::sleep(TWINS_POLL_MS, call.signal.as_ref()).await {
                break Found::Aborted(e);
            }
            continue;
        }
        let reply = match t.send(&Call::get(lookup.path.clone(), call.signal.clone())).await {
            Ok(reply) => reply,
            Err(Failure::Raw(reason)) => break Found::Aborted(reason),
            Err(_) => break Found::CannotTell(JsValue::UNDEFINED, reconcile::note(Note::LookupFailed(lookup.noun))),
        };
        // A twin may have sent again meanwhile: its record could be listed.
        let Some(lookers) = pending.lookers() else { continue };
        break found(t, reply, lookup, pending.started_ms, lookers);
    };
    pending.looking(false);
    found
}

/// Decides from the lookup's listing.
fn found(t: &Transport, reply: super::transport::Reply, lookup: &Lookup, started_ms: f64, lookers: usize) -> Found {
    let since_ms = reply.header("date").and_then(|d| retry::parse_http_date(&d)).map(|server| started_ms + (server - timer::now_ms()) - SLACK_MS);
    let Ok(list) = records::many(reply, lookup.aliases) else {
        return Found::CannotTell(JsValue::UNDEFINED, reconcile::note(Note::LookupFailed(lookup.noun)));
    };
    let list = Array::from(&list);
    let data: Vec<Value> = list.iter().map(|r| from_js(&r)).collect();
    let claimed = |id: &str| t.recent.is_claimed(id);
    let cx = Context { wanted: &lookup.wanted, id_field: lookup.id_field, since_ms, claimed: &claimed, lookers };
    match reconcile::find(&data, &cx) {
        Verdict::Made(i) => Found::Made(list.get(i as u32)),
        Verdict::NothingMade => Found::NothingMade,
        Verdict::CannotTell(at) => {
            let candidates: Array = at.iter().map(|i| list.get(*i as u32)).collect();
            let ids: Vec<String> = at.iter().filter_map(|i| data.get(*i)?.get(lookup.label)?.as_str().map(str::to_string)).collect();
            Found::CannotTell(candidates.into(), reconcile::note(Note::Candidates(lookup.noun, at.len(), &ids)))
        }
    }
}

/// The request as a whole, to tell identical calls of this client apart
/// from others.
fn signature(call: &Call) -> String {
    format!("{} {}\n{}", call.method.as_str(), call.path, call.body.as_ref().and_then(JsValue::as_string).unwrap_or_default())
}

fn shaped(reply: super::transport::Reply, shape: &Shape) -> Result<JsValue, Failure> {
    match shape {
        Shape::One(aliases) => records::one(reply, aliases),
        Shape::Many(aliases) => records::many(reply, aliases),
        Shape::Ack => Ok(records::acknowledged(reply)),
        Shape::Hidden => Ok(records::success()),
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
