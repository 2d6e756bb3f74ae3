//! `snapshots.ensure(params, options)`: a ready snapshot built from exactly
//! this spec, reusing one when it exists. The snapshot is named
//! `<name>-<12 hex of the fingerprint>`; a build is created with an
//! `Idempotency-Key` derived from the fingerprint, so clients ensuring the
//! same spec at once get one build. The choices are the core's (`core::reuse`).

use wasm_bindgen::JsValue;

use super::args::CallArgs;
use super::plan::{self, Plan, Shape};
use super::records;
use super::transport::{Begun, Call, Transport};
use super::wait::{self, wait_context, WaitContext, SNAPSHOT_READY};
use crate::core::error::ClientError;
use crate::core::image::{ensured_name, option_keys, ImageSpec};
use crate::core::path::percent_encode;
use crate::core::record::SNAPSHOT_ALIASES;
use crate::core::retry::Method;
use crate::core::reuse::{decide, Decision, Seen};
use crate::core::validate::{present, text};
use crate::core::{ErrorKind, Value};
use crate::platform::convert::{from_js, get, set, to_json_string};
use crate::platform::errors::Failure;

/// Rounds of list-then-act before giving up; each round ends in an answer
/// unless the server keeps contradicting itself.
const MAX_ROUNDS: u32 = 4;

pub struct Ensure {
    name: String,
    fingerprint: String,
    body: JsValue,
    list_path: String,
    rebuild_failed: bool,
    ctx: WaitContext,
}

/// `image`: the params came from an `Image`, whose resources the JS layer
/// took out of the options (listed so that a typo of one is suggested).
pub fn plan(params: &JsValue, args: &CallArgs, image: bool) -> Result<Ensure, Failure> {
    let params = from_js(params);
    let (spec, resources) = ImageSpec::from_params(&params)?;
    let opts = &args.data;
    let base = match present(opts.get("name")).or_else(|| present(params.get("name"))) {
        Some(v) => text("name", v, 200)?,
        None => "image".to_string(),
    };
    if base.trim().is_empty() {
        return Err(ClientError::invalid("name", "must not be empty").into());
    }
    let rebuild_failed = match present(opts.get("rebuildFailed")) {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(ClientError::invalid("rebuildFailed", format!("must be a boolean, got {}", other.type_name())).into()),
    };
    let fingerprint = spec.fingerprint(&resources);
    let name = ensured_name(&base, &fingerprint);
    // The spec was checked as a create checks it; its parameters are the body.
    let body = spec.to_params(Some(&name), &resources);
    let list_path = match &resources.snapshot_type {
        Some(t) => format!("/v1/snapshots?type={}", percent_encode(t)),
        None => "/v1/snapshots".to_string(),
    };
    let ctx = wait_context(args, &option_keys(&["name", "rebuildFailed"], image))?;
    Ok(Ensure { name, fingerprint, body: to_json_string(&body), list_path, rebuild_failed, ctx })
}

impl Ensure {
    fn list_call(&self) -> Call {
        Call::get(self.list_path.clone(), self.ctx.signal.clone())
    }
}

/// The first listing, handed to `fetch` inside the call.
pub fn begin(t: &Transport, e: &Ensure) -> Begun {
    t.begin(&e.list_call())
}

pub async fn run(t: &Transport, e: Ensure, begun: Begun) -> Result<JsValue, Failure> {
    let mut begun = Some(begun);
    let mut stale: Option<String> = None;
    for _ in 0..MAX_ROUNDS {
        let (records, seen) = named(t, &e, begun.take()).await?;
        let key = match decide(&e.fingerprint, &seen, e.rebuild_failed, stale.as_deref()) {
            Decision::Reuse(i) => return Ok(marked(at(&records, i)?, true)),
            // A failed one is handed to the wait, which rejects with it at once.
            Decision::Join(i) | Decision::Refuse(i) => return follow(t, &e, at(&records, i)?, true).await,
            Decision::Build(key) => key,
        };
        let (created, replayed) = create(t, &e, key).await?;
        let created_id = get(&created, "id").as_string().unwrap_or_default();
        // Looked at again: with a server that ignored the key, another client's
        // build may be older than ours, and every client follows the oldest.
        let (records, seen) = named(t, &e, None).await?;
        let live = seen.iter().any(|s| s.id == created_id);
        let theirs = |i: usize| replayed || seen.get(i).map_or(true, |s| s.id != created_id);
        match decide(&e.fingerprint, &seen, true, None) {
            Decision::Reuse(i) => return Ok(marked(at(&records, i)?, theirs(i))),
            Decision::Join(i) => return follow(t, &e, at(&records, i)?, theirs(i)).await,
            // The snapshot the create answered with is gone: the key was
            // answered from an earlier, deleted build. Move past it.
            _ if !live => stale = Some(created_id),
            _ => return follow(t, &e, created, replayed).await,
        }
    }
    Err(ClientError::new(ErrorKind::Api, format!("snapshots.ensure: no usable snapshot named {} after {MAX_ROUNDS} rounds; the server's answers disagree", e.name)).into())
}

/// The listed snapshots that carry the ensured name.
async fn named(t: &Transport, e: &Ensure, begun: Option<Begun>) -> Result<(Vec<JsValue>, Vec<Seen>), Failure> {
    let call = e.list_call();
    let begun = begun.unwrap_or_else(|| t.begin(&call));
    let all = records::many(t.complete(&call, begun).await?, &SNAPSHOT_ALIASES)?;
    let mut records = Vec::new();
    let mut seen = Vec::new();
    for record in js_sys::Array::from(&all).iter() {
        if get(&record, "name").as_string().as_deref() != Some(e.name.as_str()) {
            continue;
        }
        let text = |k: &str| get(&record, k).as_string().unwrap_or_default();
        seen.push(Seen { id: text("id"), status: text("status"), created_at: text("created_at") });
        records.push(record);
    }
    Ok((records, seen))
}

/// `POST /v1/snapshots` with the derived key (repeated with it after an
/// ambiguous failure, as every create is), and whether the server answered
/// it from an earlier request with that key (another client's).
async fn create(t: &Transport, e: &Ensure, key: String) -> Result<(JsValue, bool), Failure> {
    let mut plan = Plan::new(Method::Post, "/v1/snapshots".into(), Shape::One(&SNAPSHOT_ALIASES));
    plan.call.body = Some(e.body.clone());
    plan.call.signal = e.ctx.signal.clone();
    plan.call.idempotency_key = Some(key);
    let begun = t.begin(&plan.call);
    plan::send(t, &plan, begun).await
}

/// The listed record the decision picked.
fn at(records: &[JsValue], i: usize) -> Result<JsValue, Failure> {
    records.get(i).cloned().ok_or_else(|| ClientError::new(ErrorKind::Api, "snapshots.ensure: the listing changed while it was read").into())
}

/// Waits for the snapshot to be ready; `reused` is true when this call did
/// not start its build.
async fn follow(t: &Transport, e: &Ensure, record: JsValue, reused: bool) -> Result<JsValue, Failure> {
    let id = get(&record, "id").as_string().unwrap_or_default();
    let ready = wait::until(t, SNAPSHOT_READY, &id, &e.ctx, record, None).await?;
    Ok(marked(ready, reused))
}

/// `reused: true` when no build was started by this call.
fn marked(record: JsValue, reused: bool) -> JsValue {
    set(&record, "reused", &JsValue::from_bool(reused));
    record
}
