//! Following a build until it is `ready`, `failed`, aborted or out of time.
//!
//! The schedule is the core's (`core::poll`); this loop only sleeps on timers
//! (never spins), reports status changes, and treats transient failures
//! (network, timeouts, 429, 5xx) as "ask again later" until the deadline.

use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

use super::records;
use super::snapshots::{id_segment, shallow, signal_option};
use super::transport::Transport;
use crate::core::error::ClientError;
use crate::core::options::parse_wait_options;
use crate::core::poll::{self, Phase};
use crate::core::record::SNAPSHOT_ALIASES;
use crate::core::retry::Method;
use crate::core::validate::show_number;
use crate::core::ErrorKind;
use crate::platform::convert::{get, is_present};
use crate::platform::errors::{first_failure_text, Failure};
use crate::platform::{random, timer};

/// Waits for snapshot `id` to be ready. `first` is a record already in hand
/// (the answer of `create`), used as the first observation so the first
/// request waits one interval; without it the first poll is immediate.
pub async fn until_ready(t: &Transport, id: JsValue, options: JsValue, first: JsValue) -> Result<JsValue, Failure> {
    let segment = id_segment("id", &id)?;
    let id = id.as_string().unwrap_or_default();
    let opts = parse_wait_options(&shallow(&options))?;
    let signal = signal_option(&options)?;
    let on_status = match get(&options, "onStatus") {
        f if !is_present(&f) => None,
        f if f.is_function() => Some(f.unchecked_into::<Function>()),
        _ => return Err(ClientError::invalid("onStatus", "must be a function called with each new status").into()),
    };
    let deadline = timer::now_ms() + opts.timeout_ms;
    let path = format!("/v1/snapshots/{segment}");
    let mut in_hand = Some(first).filter(JsValue::is_object);
    let (mut last_seen, mut last_status, mut last_problem) = (JsValue::UNDEFINED, None::<String>, None::<String>);
    let mut poll_count = 0;
    loop {
        let mut server_ms = None;
        let observed = match in_hand.take() {
            Some(record) => Some(record),
            None => {
                let remaining = deadline - timer::now_ms();
                if remaining <= 0.0 {
                    return Err(timed_out(&id, opts.timeout_ms, last_seen, last_status, last_problem));
                }
                let mut call = t.call(Method::Get, path.clone(), signal.as_ref(), Some(t.config.timeout_ms.min(remaining)));
                call.max_retries = 0; // this loop is the retry
                match t.send(call).await.and_then(|r| records::one(r, &SNAPSHOT_ALIASES)) {
                    Ok(record) => Some(record),
                    Err(f) if is_transient(&f) => {
                        server_ms = f.retry_after_ms();
                        last_problem = Some(describe(f, &t.config.api_key));
                        None
                    }
                    Err(f) => return Err(f),
                }
            }
        };
        if let Some(record) = observed {
            let Some(status) = get(&record, "status").as_string() else {
                let e = ClientError::new(ErrorKind::Api, format!("Snapshot {id}: the server's record has no status field"));
                return Err(Failure::with_snapshot(e, record));
            };
            if !last_status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(&status)) {
                last_status = Some(status.clone());
                if let Some(callback) = &on_status {
                    callback.call1(&JsValue::UNDEFINED, &record).map_err(Failure::Raw)?;
                }
            }
            last_seen = record.clone();
            match poll::phase(&status) {
                Phase::Ready => return Ok(record),
                Phase::Failed => return Err(build_failed(&id, record)),
                Phase::InProgress => {}
            }
        }
        let scheduled = poll::delay_ms(poll_count, opts.poll_interval_ms, opts.max_poll_interval_ms, random::unit());
        poll_count += 1;
        let Some(ms) = poll::sleep_ms(scheduled, server_ms, timer::now_ms(), deadline) else {
            return Err(timed_out(&id, opts.timeout_ms, last_seen, last_status, last_problem));
        };
        timer::sleep(ms, signal.as_ref()).await.map_err(Failure::Raw)?;
    }
}

/// Failures worth another poll: the server or the path to it hiccuped.
fn is_transient(f: &Failure) -> bool {
    matches!(f.kind(), Some(ErrorKind::Network | ErrorKind::Timeout | ErrorKind::RateLimit | ErrorKind::Server))
        || matches!(f, Failure::Client(d) if d.error.kind == ErrorKind::Api && d.error.status.is_some_and(|s| s == 408 || (200..300).contains(&s)))
}

fn describe(f: Failure, secret: &str) -> String {
    match f {
        Failure::Client(d) => d.error.redacted(secret).message,
        Failure::Raw(_) => "unknown error".into(),
    }
}

fn build_failed(id: &str, record: JsValue) -> Failure {
    let reason = first_failure_text(&record).as_string().unwrap_or_else(|| "no reason given".into());
    let status = get(&record, "status").as_string().unwrap_or_default();
    let e = ClientError::new(ErrorKind::SnapshotBuildFailed, format!("Snapshot {id} build {status}: {reason}"));
    Failure::with_snapshot(e, record)
}

fn timed_out(id: &str, timeout_ms: f64, last_seen: JsValue, status: Option<String>, problem: Option<String>) -> Failure {
    let mut message = format!("Snapshot {id} was not ready within {} ms", show_number(timeout_ms));
    match status {
        Some(s) => message.push_str(&format!(" (last status: {s})")),
        None => message.push_str(" (no status was read)"),
    }
    if let Some(p) = problem {
        message.push_str(&format!("; last error: {p}"));
    }
    Failure::with_snapshot(ClientError::new(ErrorKind::Timeout, message), last_seen)
}
