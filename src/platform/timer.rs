//! Sleeping on a gloo-timers timer, cut short by an `AbortSignal`.

use futures_util::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

use super::abort::Listening;

/// Milliseconds as a timer takes them: JS timers hold at most 2^31 - 1 ms
/// (the core refuses longer durations; this only keeps the cast exact).
pub fn timer_ms(ms: f64) -> u32 {
    ms.clamp(0.0, 2_147_483_647.0) as u32
}

/// Resolves after `ms`; rejects at once with the signal's reason when it
/// aborts (before or during the sleep). The timer is cleared and the
/// listener removed however it ends.
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), JsValue> {
    let Some(signal) = signal else {
        TimeoutFuture::new(timer_ms(ms)).await;
        return Ok(());
    };
    if signal.aborted() {
        return Err(signal.reason());
    }
    let (listening, aborted) = Listening::future(signal)?;
    let outcome = select(TimeoutFuture::new(timer_ms(ms)), aborted).await;
    drop(listening);
    match outcome {
        Either::Left(_) => Ok(()),
        Either::Right(_) => Err(signal.reason()),
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
