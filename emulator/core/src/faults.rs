//! Injected faults, for testing clients against a misbehaving server.
//!
//! `--faults 429:0.10,503:0.05,...` gives each kind a probability per `/v1`
//! request; `--seed N` makes the sequence repeatable; `--latency-ms MIN..MAX`
//! delays every answer; the header `X-Emulator-Fault: <kind>` forces one
//! fault on one request (`none` forces none).
//!
//! When a fault strikes relative to the work: `reset` on a POST, PATCH or
//! DELETE drops the connection **after** the server acted (the answer is lost
//! on the way back, the ambiguous case a client must survive); `lost` does
//! the same on any method, and `gateway` lets the server act, then answers
//! 502 or 504 as a proxy in front of it would. Every other
//! fault strikes **before** the server acts, so it changes no state: 429, 503
//! and 500 refuse, `slow` stalls past the client's timeout and then refuses,
//! and the malformed-answer kinds (`malformed`, `truncated`, `html`,
//! `wrong-shape`, `no-status`, `huge`) and `redirect` answer instead of
//! acting.

use std::sync::Mutex;

use crate::reply::{Lost, Reply, Step};
use crate::wire::{ApiError, Request, Response};

/// The fault striking this `/v1` request, if any: a refusal or a malformed
/// answer given instead of acting, or `lost` set to lose the answer after
/// acting (`reset` on mutating methods, `lost`, `gateway`); `reset` on the
/// others drops the connection at once.
pub(crate) fn strike(faults: &Faults, request: &Request, lost: &mut Option<Lost>) -> Option<Reply> {
    let forced = request.header("x-emulator-fault");
    let fault = faults.pick(forced)?;
    let mutating = matches!(request.method.as_str(), "POST" | "PATCH" | "DELETE");
    let raw = |status: u16, content_type: &str, body: String| Some(Reply::Now(Response::new(status, Some(content_type), body)));
    match fault {
        Fault::Reset if mutating => {
            // The server acts; the answer is lost on the way back.
            *lost = Some(Lost::Dropped);
            None
        }
        Fault::Reset => Some(Reply::Reset),
        Fault::Lost => {
            *lost = Some(Lost::Dropped);
            None
        }
        Fault::Gateway => {
            // Forced by header: 504, as a gateway timing out on a long VM
            // create (the documented case), the same on every host whatever
            // the seed's sequence has reached; drawn: 502 or 504.
            let status = if forced.is_some() || faults.draw() >= 0.5 { 504 } else { 502 };
            *lost = Some(Lost::Gateway(status));
            None
        }
        Fault::TooManyRequests => {
            let mut r = ApiError::new(429, "Rate limit exceeded").into_response();
            r.set_header("retry-after", "1");
            r.set_header("retry-after-ms", "100");
            Some(Reply::Now(r))
        }
        Fault::Unavailable => Some(Reply::Now(ApiError::new(503, "Service temporarily unavailable").into_response())),
        Fault::Internal => Some(Reply::Now(ApiError::new(500, "Internal server error").into_response())),
        Fault::Slow => Some(Reply::Later {
            ms: faults.slow_ms,
            step: Step::Answer(ApiError::new(503, "Service temporarily unavailable (answered late)").into_response()),
        }),
        Fault::Malformed => raw(200, "application/json", "{\"id\": \"snap_x\", \"status\": ready,,}".into()),
        Fault::Truncated => raw(200, "application/json", "{\"id\":\"snap_truncated\",\"status\":\"rea".into()),
        Fault::Html => raw(502, "text/html", "<!doctype html><html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>".into()),
        Fault::WrongShape => raw(200, "application/json", "\"not a record\"".into()),
        Fault::NoStatus => raw(200, "application/json", "{\"id\":\"snap_nostatus\",\"snapshot_id\":\"snap_nostatus\"}".into()),
        Fault::Huge => {
            // 8 MB: a record with a very long field.
            let padding = "x".repeat(8 * 1024 * 1024);
            raw(200, "application/json", format!("{{\"id\":\"snap_huge\",\"snapshot_id\":\"snap_huge\",\"status\":\"ready\",\"padding\":\"{padding}\"}}"))
        }
        Fault::Redirect => {
            let to = request.header("x-emulator-redirect-to").unwrap_or("http://127.0.0.1:9/elsewhere");
            let mut r = Response::new(307, None, Vec::new());
            r.set_header("location", to);
            Some(Reply::Now(r))
        }
    }
}

/// What a gateway in front of the API answers when it gave up on an answer
/// the API was still producing (the API acted all the same).
pub(crate) fn gateway_answer(status: u16) -> Response {
    let text = if status == 502 { "Bad Gateway" } else { "Gateway Timeout" };
    ApiError::new(status, text).into_response()
}

/// One kind of misbehaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    TooManyRequests,
    Unavailable,
    Internal,
    Reset,
    /// The server acts, then the connection drops: the answer is lost.
    Lost,
    /// The server acts, then a gateway answers 502 or 504 instead.
    Gateway,
    Slow,
    Malformed,
    Truncated,
    Html,
    WrongShape,
    NoStatus,
    Huge,
    Redirect,
}

impl Fault {
    pub fn parse(name: &str) -> Option<Fault> {
        Some(match name.trim() {
            "429" => Fault::TooManyRequests,
            "503" => Fault::Unavailable,
            "500" => Fault::Internal,
            "reset" => Fault::Reset,
            "lost" => Fault::Lost,
            "gateway" => Fault::Gateway,
            "slow" => Fault::Slow,
            "malformed" => Fault::Malformed,
            "truncated" => Fault::Truncated,
            "html" => Fault::Html,
            "wrong-shape" => Fault::WrongShape,
            "no-status" => Fault::NoStatus,
            "huge" => Fault::Huge,
            "redirect" => Fault::Redirect,
            _ => return None,
        })
    }
}

/// The fault plan: probabilities, a seeded generator, latency and the stall.
pub struct Faults {
    odds: Vec<(Fault, f64)>,
    rng: Mutex<u64>,
    pub latency_ms: (u64, u64),
    /// How long `slow` stalls before refusing.
    pub slow_ms: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults { odds: Vec::new(), rng: Mutex::new(0x9e37_79b9_7f4a_7c15), latency_ms: (0, 0), slow_ms: 5000 }
    }
}

impl Faults {
    /// `429:0.10,503:0.05,reset:0.05`
    pub fn parse_spec(spec: &str) -> Result<Vec<(Fault, f64)>, String> {
        spec.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|part| {
                let (name, p) = part.split_once(':').ok_or_else(|| format!("fault {part:?} needs a probability, e.g. 503:0.05"))?;
                let fault = Fault::parse(name).ok_or_else(|| format!("unknown fault kind {name:?}"))?;
                let p: f64 = p.trim().parse().map_err(|_| format!("fault {name}: probability {p:?} is not a number"))?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(format!("fault {name}: probability {p} is not between 0 and 1"));
                }
                Ok((fault, p))
            })
            .collect()
    }

    pub fn new(odds: Vec<(Fault, f64)>, seed: u64, latency_ms: (u64, u64), slow_ms: u64) -> Faults {
        Faults { odds, rng: Mutex::new(seed ^ 0x9e37_79b9_7f4a_7c15), latency_ms, slow_ms }
    }

    /// A draw in [0, 1) from the seeded sequence (xorshift64*).
    pub(crate) fn draw(&self) -> f64 {
        let mut state = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        let mut x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The fault for this request, if any: a forced one, else a random draw.
    pub fn pick(&self, forced: Option<&str>) -> Option<Fault> {
        if let Some(name) = forced {
            return Fault::parse(name);
        }
        if self.odds.is_empty() {
            return None;
        }
        let r = self.draw();
        let mut acc = 0.0;
        for (fault, p) in &self.odds {
            acc += p;
            if r < acc {
                return Some(*fault);
            }
        }
        None
    }

    /// Milliseconds to hold this request before acting on it, if any.
    pub fn latency_ms(&self) -> Option<u64> {
        let (lo, hi) = self.latency_ms;
        if hi == 0 {
            return None;
        }
        let span = hi.saturating_sub(lo);
        Some(lo + (self.draw() * (span as f64 + 1.0)) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_refuse_nonsense() {
        let odds = Faults::parse_spec("429:0.10,503:0.05,500:0.05,reset:0.05,slow:0.05,malformed:0.02").unwrap_or_default();
        assert_eq!(odds.len(), 6);
        assert!(Faults::parse_spec("teapot:0.1").is_err());
        assert!(Faults::parse_spec("503:2").is_err());
        assert!(Faults::parse_spec("503").is_err());
    }

    #[test]
    fn a_seed_repeats_its_sequence_and_rates_hold() {
        let odds = vec![(Fault::Unavailable, 0.25)];
        let a = Faults::new(odds.clone(), 7, (0, 0), 0);
        let b = Faults::new(odds, 7, (0, 0), 0);
        let seq_a: Vec<_> = (0..200).map(|_| a.pick(None)).collect();
        let seq_b: Vec<_> = (0..200).map(|_| b.pick(None)).collect();
        assert_eq!(seq_a, seq_b);
        let hits = (0..10_000).filter(|_| a.pick(None).is_some()).count();
        assert!((2200..2800).contains(&hits), "{hits}");
        assert_eq!(a.pick(Some("reset")), Some(Fault::Reset));
        assert_eq!(a.pick(Some("none")), None);
    }
}
