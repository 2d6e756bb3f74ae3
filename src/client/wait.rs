//! Following a record until it reaches the status a caller waits for: a build
//! until `ready`, a VM until it is live. Ends also on a failure status, the
//! signal's abort or the deadline.
//!
//! The schedule is the core's (`core::poll`); this loop only sleeps on timers
//! (never spins), reports status changes, and treats transient failures
//! (network, timeouts, 429, 5xx) as "ask again later" until the deadline.


use js_sys::Function;
use wasm_bindgen::JsValue;

use super::records;
use super::args::CallArgs;
use super::transport::{retry_info, Begun, Call, Transport};
use crate::core::error::ClientError;
use crate::core::options::{parse_wait_options, WaitOptions};
use crate::core::poll::{self, Phase};
use crate::core::record::{SNAPSHOT_ALIASES, VM_ALIASES};
use crate::core::validate::show_number;
use crate::core::vm::{vm_phase, VmPhase};
use crate::core::ErrorKind;
use web_sys::AbortSignal;
use crate::platform::convert::get;
use crate::platform::errors::{first_failure_text, Failure};
use crate::platform::{random, timer};

/// What is waited for.
#[derive(Clone, Copy)]
pub struct Target {
    /// The record's id field (`id`, `vm_id`).
    pub id_field: &'static str,
    /// `Snapshot` or `VM`, for messages.
    noun: &'static str,
    /// The status waited for, for messages (`ready`, `live`, `suspended`).
    goal: &'static str,
    /// The error property holding the record (`snapshot` or `vm`).
    key: &'static str,
    /// The collection path (`/v1/snapshots`).
    collection: &'static str,
    aliases: &'static [(&'static str, &'static str)],
    verdict: fn(&str) -> Phase,
    failure: ErrorKind,
}

pub const SNAPSHOT_READY: Target = Target {
    id_field: "id",
    noun: "Snapshot",
    goal: "ready",
    key: "snapshot",
    collection: "/v1/snapshots",
    aliases: &SNAPSHOT_ALIASES,
    verdict: poll::phase,
    failure: ErrorKind::SnapshotBuildFailed,
};

/// A VM is done waiting when live; suspended or final VMs will not become
/// live by themselves, so waiting on them fails at once.
pub const VM_LIVE: Target = Target {
    id_field: "vm_id",
    noun: "VM",
    goal: "live",
    key: "vm",
    collection: "/v1/vms",
    aliases: &VM_ALIASES,
    verdict: |s| match vm_phase(s) {
        VmPhase::Live => Phase::Ready,
        VmPhase::Transitional => Phase::InProgress,
        VmPhase::Parked | VmPhase::Final => Phase::Failed,
    },
    failure: ErrorKind::Api,
};

/// `suspend(vmId, { wait: true })`: done once the VM is parked.
pub const VM_SUSPENDED: Target = Target {
    id_field: "vm_id",
    noun: "VM",
    goal: "suspended",
    key: "vm",
    collection: "/v1/vms",
    aliases: &VM_ALIASES,
    verdict: |s| match vm_phase(s) {
        VmPhase::Parked => Phase::Ready,
        VmPhase::Transitional | VmPhase::Live => Phase::InProgress,
        VmPhase::Final => Phase::Failed,
    },
    failure: ErrorKind::Api,
};

/// A wait's options as read from JS.
pub struct WaitContext {
    pub options: WaitOptions,
    pub signal: Option<AbortSignal>,
    pub on_status: Option<Function>,
    /// Called before each poll that follows a failed one.
    pub on_retry: Option<Function>,
}

/// Reads a wait's options; `extra` names the method's own keys besides the
/// wait's (`wait`, `extraBody`, ensure's `name`), which it reads itself.
pub fn wait_context(args: &CallArgs, extra: &[&str]) -> Result<WaitContext, Failure> {
    let parsed = parse_wait_options(args.options(), extra)?;
    Ok(WaitContext { options: parsed, signal: args.signal()?, on_status: args.on_status()?, on_retry: args.on_retry()? })
}

/// One poll of the record, bounded by what is left of the wait; the wait's
/// loop is its retry.
fn poll_call(t: &Transport, path: &str, ctx: &WaitContext, remaining_ms: f64) -> Call {
    let mut call = Call::get(path.to_string(), ctx.signal.clone());
    call.timeout_ms = Some(t.config.timeout_ms.min(remaining_ms));
    call.max_retries = Some(0);
    call
}

fn record_path(target: Target, id: &str) -> Result<String, Failure> {
    let segment = crate::core::path::encode_segment("id", id)?;
    Ok(format!("{}/{segment}", target.collection))
}

/// The wait's first poll, started at once (see `ops::begin`). An id that
/// cannot be a path segment was refused when the wait was planned.
pub fn begin(t: &Transport, target: Target, id: &str, ctx: &WaitContext) -> Begun {
    let path = record_path(target, id).unwrap_or_default();
    t.begin(&poll_call(t, &path, ctx, ctx.options.timeout_ms))
}

/// Waits for record `id` to reach the target. `first` is a record already in
/// hand (the answer that started it), used as the first observation so the
/// first request waits one interval; without it the first poll is immediate,
/// and `begun` is that poll when it has already been handed to `fetch`.
pub async fn until(t: &Transport, target: Target, id: &str, ctx: &WaitContext, first: JsValue, mut begun: Option<Begun>) -> Result<JsValue, Failure> {
    let path = record_path(target, id)?;
    let opts = ctx.options;
    let deadline = timer::now_ms() + opts.timeout_ms;
    let mut in_hand = Some(first).filter(JsValue::is_object);
    let (mut last_seen, mut last_status, mut last_problem) = (JsValue::UNDEFINED, None::<String>, None::<String>);
    let mut poll_count = 0;
    // The run of failed polls under way: how many, since when, and the last
    // failure as the JS error `onRetry` is handed.
    let (mut failures, mut failing_since) = (0u32, None::<f64>);
    loop {
        let mut server_ms = None;
        let mut retrying = None;
        let observed = match in_hand.take() {
            Some(record) => Some(record),
            None => {
                let started = timer::now_ms();
                let remaining = deadline - started;
                if remaining <= 0.0 {
                    return Err(timed_out(target, id, opts.timeout_ms, last_seen, last_status, last_problem));
                }
                // During an outage, a poll may take no longer than what is left of maxOutageMs.
                let call = poll_call(t, &path, ctx, remaining.min(outage_left(opts.max_outage_ms, failing_since, started).max(1.0)));
                let first_poll = begun.take().unwrap_or_else(|| t.begin(&call));
                let reply = t.complete(&call, first_poll, &mut crate::core::retry::Budget::new()).await;
                match reply.and_then(|r| records::one(r, target.aliases)) {
                    Ok(record) => Some(record),
                    Err(f) if is_transient(&f) => {
                        failures += 1;
                        // The outage began when the first failed poll was sent, not when it failed.
                        let since = *failing_since.get_or_insert(started);
                        if let Some(max) = opts.max_outage_ms.filter(|max| timer::now_ms() - since >= *max) {
                            return Err(outage(f, failures, max));
                        }
                        server_ms = f.retry_after_ms();
                        last_problem = Some(describe(&f, &t.config.api_key));
                        if ctx.on_retry.is_some() {
                            retrying = Some(f.into_js(&t.config.api_key));
                        }
                        None
                    }
                    Err(f) => return Err(f),
                }
            }
        };
        if let Some(record) = observed {
            (failures, failing_since) = (0, None);
            let Some(status) = get(&record, "status").as_string() else {
                let e = ClientError::new(ErrorKind::Api, format!("{} {id}: the server's record has no status field", target.noun));
                return Err(Failure::with_record(e, target.key, record));
            };
            if !last_status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(&status)) {
                last_status = Some(status.clone());
                if let Some(callback) = &ctx.on_status {
                    callback.call1(&JsValue::UNDEFINED, &record).map_err(Failure::Raw)?;
                }
            }
            last_seen = record.clone();
            match (target.verdict)(&status) {
                Phase::Ready => return Ok(record),
                Phase::Failed => return Err(failed(target, id, &status, record)),
                Phase::InProgress => {}
            }
        }
        let scheduled = poll::delay_ms(poll_count, opts.poll_interval_ms, opts.max_poll_interval_ms, random::unit());
        poll_count += 1;
        let now = timer::now_ms();
        let Some(ms) = poll::sleep_ms(scheduled, server_ms, now, deadline) else {
            return Err(timed_out(target, id, opts.timeout_ms, last_seen, last_status, last_problem));
        };
        // Nor does a sleep (a Retry-After included) outlast it: the next poll is its last chance.
        let ms = ms.min(outage_left(opts.max_outage_ms, failing_since, now).max(0.0));
        if let (Some(callback), Some(error)) = (&ctx.on_retry, retrying) {
            callback.call1(&JsValue::UNDEFINED, &retry_info(failures, error, ms, &[])).map_err(Failure::Raw)?;
        }
        timer::sleep(ms, ctx.signal.as_ref()).await.map_err(Failure::Raw)?;
    }
}

/// Failures worth another poll: the server or the path to it hiccuped.
pub(super) fn is_transient(f: &Failure) -> bool {
    matches!(f.kind(), Some(ErrorKind::Network | ErrorKind::Timeout | ErrorKind::RateLimit | ErrorKind::Server))
        || matches!(f, Failure::Client(d) if d.error.kind == ErrorKind::Api && d.error.status.is_some_and(|s| s == 408 || (200..300).contains(&s)))
}

fn describe(f: &Failure, secret: &str) -> String {
    match f {
        Failure::Client(d) => d.error.clone().redacted(secret).message,
        Failure::Raw(_) => "unknown error".into(),
    }
}

/// What is left of `maxOutageMs` at `now` during a run of failed polls
/// (infinite when there is no limit or no outage).
fn outage_left(max_outage_ms: Option<f64>, failing_since: Option<f64>, now: f64) -> f64 {
    match (max_outage_ms, failing_since) {
        (Some(max), Some(since)) => since + max - now,
        _ => f64::INFINITY,
    }
}

/// The last failure of a run of failed polls that lasted `maxOutageMs`: the
/// same error, saying why the wait gave up before its deadline.
fn outage(f: Failure, failures: u32, max_ms: f64) -> Failure {
    match f {
        Failure::Client(mut d) => {
            let polls = if failures == 1 { "poll" } else { "polls" };
            d.error.message.push_str(&format!(" (the wait gave up after {failures} failed {polls} in a row over maxOutageMs, {} ms)", show_number(max_ms)));
            Failure::Client(d)
        }
        raw => raw,
    }
}


fn failed(target: Target, id: &str, status: &str, record: JsValue) -> Failure {
    let reason = first_failure_text(&record).as_string();
    let message = match (target.failure, reason) {
        (ErrorKind::SnapshotBuildFailed, r) => format!("Snapshot {id} build {status}: {}", r.as_deref().unwrap_or("no reason given")),
        (_, Some(r)) => format!("{} {id} is {status}: {r}", target.noun),
        (_, None) => format!("{} {id} is {status}", target.noun),
    };
    Failure::with_record(ClientError::new(target.failure, message), target.key, record)
}

fn timed_out(target: Target, id: &str, timeout_ms: f64, last_seen: JsValue, status: Option<String>, problem: Option<String>) -> Failure {
    let mut message = format!("{} {id} was not {} within {} ms", target.noun, target.goal, show_number(timeout_ms));
    match status {
        Some(s) => message.push_str(&format!(" (last status: {s})")),
        None => message.push_str(" (no status was read)"),
    }
    if let Some(p) = problem {
        message.push_str(&format!("; last error: {p}"));
    }
    Failure::with_record(ClientError::new(ErrorKind::Timeout, message), target.key, last_seen)
}
