//! `snapshots.ensure(params, options)`: a ready snapshot built from exactly
//! this spec, reusing one when it exists. The snapshot is named
//! `<name>-<12 hex of the fingerprint>`, so that the listing is the lookup:
//! every round lists, then reuses, joins or builds (`core::reuse` decides).
//!
//! The API documents no idempotency key, so one build per spec is kept by
//! other means: within a JS realm, concurrent ensures of a spec wait for the
//! one creating it (`building`); across processes, every ensure follows the
//! oldest snapshot of the name, and one that finds an older build after its
//! own create deletes its own. A create whose answer was lost, and any
//! transient failure, is followed by another round (list again) while the
//! deadline allows, never by a blind repeat. The create still carries a key
//! derived from the fingerprint, which a server that honours it replays.

use wasm_bindgen::JsValue;

use super::args::CallArgs;
use super::building;
use super::records;
use super::transport::{Begun, Call, Transport};
use super::wait::{self, is_transient, wait_context, WaitContext, SNAPSHOT_READY};
use crate::core::options::WaitOptions;
use crate::core::validate::show_number;
use crate::core::error::ClientError;
use crate::core::image::{ensured_name, option_keys, ImageSpec};
use crate::core::path::{encode_segment, percent_encode};
use crate::core::record::SNAPSHOT_ALIASES;
use crate::core::retry::{self, Method};
use crate::core::reuse::{decide, Decision, Seen};
use crate::core::validate::{present, text};
use crate::core::{ErrorKind, Value};
use crate::platform::convert::{from_js, get, set, to_json_string};
use crate::platform::errors::Failure;
use crate::platform::{random, timer};

/// Rounds whose listing contradicted the create before giving up (a
/// transient failure does not count: those are retried until the deadline).
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

    /// Names this spec on this API and key: the ensures sharing a build.
    fn build_key(&self, t: &Transport) -> String {
        format!("{}\n{}\n{}\n{}", t.config.base_url, t.config.api_key, self.list_path, self.name)
    }
}

/// The first listing, handed to `fetch` inside the call.
pub fn begin(t: &Transport, e: &Ensure) -> Begun {
    t.begin(&e.list_call())
}

/// What a round of listing decided.
enum Round {
    /// Wait for this record to be ready; `true` when this call started no build.
    Follow(JsValue, bool),
    /// Ready already.
    Done(JsValue),
    /// List again: another call of this realm was creating the build, or
    /// this call's create was answered and the listing is to be read again.
    Again,
    /// The listing did not show what the create answered: list again, past it.
    Contradicted,
}

/// This call's create, answered: the snapshot, whether the server replayed
/// it (a key it had seen), and the registration as the realm's builder of
/// the spec, held until the next listing has been read (released at once
/// when that listing fails: the record is kept for the next round).
struct Made {
    record: JsValue,
    replayed: bool,
    leading: Option<building::Leading>,
}

/// Rounds of list-then-act, one listing and at most one request each, until
/// a snapshot to follow is chosen; one wait then follows it. (Each await in
/// an async function is a state of the one future every call runs, so the
/// listing and the wait each appear once.)
pub async fn run(t: &Transport, e: Ensure, begun: Begun) -> Result<JsValue, Failure> {
    let deadline = timer::now_ms() + e.ctx.options.timeout_ms;
    let mut begun = Some(begun);
    let mut stale: Option<String> = None;
    let mut made: Option<Made> = None;
    let (mut contradicted, mut failures) = (0, 0);
    let (record, reused) = loop {
        let failure = match round(t, &e, begun.take(), &mut stale, &mut made, deadline).await {
            Ok(Round::Follow(record, reused)) => break (record, reused),
            Ok(Round::Done(record)) => return Ok(record),
            Ok(Round::Again) => continue,
            Ok(Round::Contradicted) => {
                contradicted += 1;
                if contradicted >= MAX_ROUNDS {
                    return Err(ClientError::new(ErrorKind::Api, format!("snapshots.ensure: no usable snapshot named {} after {MAX_ROUNDS} rounds; the server's answers disagree", e.name)).into());
                }
                continue;
            }
            Err(f) if is_transient(&f) || f.may_have_acted() => f,
            Err(f) => return Err(f),
        };
        // Planned again after a pause, while the deadline allows: the next
        // listing shows whether a create whose answer was lost made the build
        // (which is then joined; nothing tells it from another's). A create
        // that was answered stays known, so that its build is still followed,
        // or deleted as a duplicate; the others in the realm need not wait.
        if let Some(m) = made.as_mut() {
            m.leading = None;
        }
        let pause = failure.retry_after_ms().unwrap_or_else(|| retry::backoff_ms(failures, random::unit()));
        if timer::now_ms() + pause >= deadline {
            return Err(failure);
        }
        timer::sleep(pause, e.ctx.signal.as_ref()).await.map_err(Failure::Raw)?;
        failures += 1;
    };
    // One deadline for the rounds and the wait.
    let ctx = WaitContext { options: WaitOptions { timeout_ms: (deadline - timer::now_ms()).max(0.0), ..e.ctx.options }, signal: e.ctx.signal.clone(), on_status: e.ctx.on_status.clone(), on_retry: e.ctx.on_retry.clone() };
    let id = get(&record, "id").as_string().unwrap_or_default();
    let ready = wait::until(t, SNAPSHOT_READY, &id, &ctx, record, None).await?;
    Ok(marked(ready, reused))
}

/// One listing, then what it calls for: reuse, join, create (once, as the
/// realm's builder of the spec), or, after this call's create, follow the
/// oldest snapshot of the name, deleting ours when another is older.
async fn round(t: &Transport, e: &Ensure, begun: Option<Begun>, stale: &mut Option<String>, made: &mut Option<Made>, deadline: f64) -> Result<Round, Failure> {
    let (records, seen) = named(t, e, begun).await?;
    let Some(Made { record: created, replayed, .. }) = made.as_ref() else {
        return match decide(&e.fingerprint, &seen, e.rebuild_failed, stale.as_deref()) {
            Decision::Reuse(i) => Ok(Round::Done(marked(at(&records, i)?, true))),
            // A failed one is handed to the wait, which rejects with it at once.
            Decision::Join(i) | Decision::Refuse(i) => Ok(Round::Follow(at(&records, i)?, true)),
            Decision::Build(key) => {
                let build_key = e.build_key(t);
                if building::under_way(&build_key) {
                    while building::under_way(&build_key) {
                        if timer::now_ms() >= deadline {
                            let message = format!("snapshots.ensure: {} was not ready within {} ms (another call's create of it is unanswered)", e.name, show_number(e.ctx.options.timeout_ms));
                            return Err(ClientError::new(ErrorKind::Timeout, message).into());
                        }
                        timer::sleep(building::LOOK_AGAIN_MS, e.ctx.signal.as_ref()).await.map_err(Failure::Raw)?;
                    }
                    return Ok(Round::Again);
                }
                let leading = building::lead(build_key);
                let (record, replayed) = create(t, e, key).await?;
                *made = Some(Made { record, replayed, leading: Some(leading) });
                Ok(Round::Again)
            }
        };
    };
    // Listed again after our create: another process's build may be older
    // than ours, and every caller follows the oldest.
    let (created, replayed) = (created.clone(), *replayed);
    let created_id = get(&created, "id").as_string().unwrap_or_default();
    let live = seen.iter().any(|s| s.id == created_id);
    let outcome = match decide(&e.fingerprint, &seen, true, None) {
        Decision::Reuse(i) | Decision::Join(i) => {
            let ours = !replayed && seen.get(i).is_some_and(|s| s.id == created_id);
            if !ours && live && !replayed {
                // An older build of the spec exists: ours is a duplicate,
                // and no one follows it (whoever lists it lists the older).
                let path = format!("/v1/snapshots/{}", encode_segment("id", &created_id)?);
                let _ = t.send(&Call::new(Method::Delete, path)).await;
            }
            Round::Follow(at(&records, i)?, !ours)
        }
        // The snapshot a replayed create answered with is gone: the key was
        // answered from an earlier, deleted build. Move past it.
        _ if !live && replayed => {
            *stale = Some(created_id);
            Round::Contradicted
        }
        // Ours, answered but not listed yet: it acted, so it is followed by
        // its id, never made again.
        _ => Round::Follow(created, replayed),
    };
    *made = None;
    Ok(outcome)
}

/// The listed snapshots that carry the ensured name.
async fn named(t: &Transport, e: &Ensure, begun: Option<Begun>) -> Result<(Vec<JsValue>, Vec<Seen>), Failure> {
    let call = e.list_call();
    let begun = begun.unwrap_or_else(|| t.begin(&call));
    let all = records::many(t.complete(&call, begun, &mut retry::Budget::new()).await?, &SNAPSHOT_ALIASES)?;
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

/// `POST /v1/snapshots` with the derived key, sent once (a failure after
/// which it may have acted comes back for the next round's listing to
/// settle), and whether the server answered it from an earlier request with
/// that key (another caller's).
async fn create(t: &Transport, e: &Ensure, key: String) -> Result<(JsValue, bool), Failure> {
    let mut call = Call::new(Method::Post, "/v1/snapshots".into());
    call.body = Some(e.body.clone());
    call.signal = e.ctx.signal.clone();
    call.idempotency_key = Some(key);
    let reply = t.send(&call).await?;
    let replayed = reply.replayed();
    let record = records::one(reply, &SNAPSHOT_ALIASES).map_err(|f| f.acted(true, "", JsValue::UNDEFINED))?;
    Ok((record, replayed))
}

/// The listed record the decision picked.
fn at(records: &[JsValue], i: usize) -> Result<JsValue, Failure> {
    records.get(i).cloned().ok_or_else(|| ClientError::new(ErrorKind::Api, "snapshots.ensure: the listing changed while it was read").into())
}

/// `reused: true` when no build was started by this call.
fn marked(record: JsValue, reused: bool) -> JsValue {
    set(&record, "reused", &JsValue::from_bool(reused));
    record
}
