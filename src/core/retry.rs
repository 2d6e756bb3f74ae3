//! The retry policy: which failures are retried, and after how long.
//!
//! Pure functions of (method, outcome, attempt, headers, clock, random draw), so
//! every branch is tested natively. The platform layer only sleeps and re-sends.


use super::validate::parse_decimal;

/// HTTP methods the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// How one attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A response arrived with this status.
    Status(u16),
    /// The connection failed.
    Network,
    /// The per-request timeout fired.
    Timeout,
    /// A 2xx came back, and its body could not be read (cut short, not
    /// JSON, not the record expected): the server acted.
    Unreadable,
}

/// First backoff step, doubled per attempt.
pub const INITIAL_BACKOFF_MS: f64 = 500.0;
/// Backoff never waits longer than this between attempts.
pub const MAX_BACKOFF_MS: f64 = 8_000.0;
/// A server asking to wait longer than this is not retried: the caller gets the
/// `RateLimitError` (with `retryAfterMs`) and decides.
pub const MAX_RETRY_AFTER_MS: f64 = 60_000.0;

/// Whether this outcome may be retried for this method at all.
///
/// GET and DELETE are safe to repeat: network errors, timeouts, 408, 429 and 5xx
/// are retried. A POST or PATCH may already have acted when its answer was
/// lost, so it is repeated only when the server said it did not act (429,
/// 503), or once a lookup has shown that nothing was made (see [`decide`]).
pub fn is_retryable(method: Method, outcome: Outcome) -> bool {
    match (method, outcome) {
        (Method::Post | Method::Patch, Outcome::Status(429 | 503)) => true,
        (Method::Post | Method::Patch, _) => false,
        (_, outcome) => is_transient(outcome),
    }
}

/// A failure of the server or of the way to it, worth another attempt when
/// repeating is safe: network errors, timeouts, 408, 429 and 5xx.
pub fn is_transient(outcome: Outcome) -> bool {
    match outcome {
        Outcome::Network | Outcome::Timeout | Outcome::Unreadable => true,
        Outcome::Status(s) => s == 408 || s == 429 || (500..=599).contains(&s),
    }
}

/// Whether a POST or PATCH that ended this way may have acted on the server
/// although its answer did not say so: the connection dropped, the attempt
/// timed out, a gateway gave up (502, 504: the API documents 504s for VM
/// creates that did create the VM), a 500, or a 2xx whose body could not be
/// read (which did act). 429 and 503 say it did not act; any other status
/// is the server's considered answer.
pub fn may_have_acted(method: Method, outcome: Outcome) -> bool {
    matches!(method, Method::Post | Method::Patch) && matches!(outcome, Outcome::Network | Outcome::Timeout | Outcome::Unreadable | Outcome::Status(500 | 502 | 504))
}

/// What is known of whether a failed attempt acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acted {
    /// Only what the outcome says.
    Unknown,
    /// A lookup after the failure found nothing the request would have made.
    NothingFound,
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Send it again after this many milliseconds.
    Retry(f64),
    /// It may have acted: look for what it would have made before anything
    /// else (never sent again blindly).
    LookFirst,
    /// Give up with this failure.
    Stop,
}

/// The retry policy, the only place that decides: from the method, how the
/// attempt ended, what is known of whether it acted, and how many retries
/// the call has used of its `max_retries` (every attempt of one call counts
/// against the same budget, whatever failed). `server_delay_ms` is the wait
/// the server asked for; `random` in [0, 1) jitters the backoff.
pub fn decide(method: Method, outcome: Outcome, acted: Acted, retries_used: u32, max_retries: u32, server_delay_ms: Option<f64>, random: f64) -> Next {
    let retryable = match acted {
        Acted::Unknown if may_have_acted(method, outcome) => return Next::LookFirst,
        Acted::Unknown => is_retryable(method, outcome),
        // A 2xx said it acted: a lookup that missed its record proves nothing.
        Acted::NothingFound => is_transient(outcome) && outcome != Outcome::Unreadable,
    };
    if !retryable || retries_used >= max_retries {
        return Next::Stop;
    }
    match server_delay_ms {
        Some(ms) if ms > MAX_RETRY_AFTER_MS => Next::Stop,
        Some(ms) => Next::Retry(ms),
        None => Next::Retry(backoff_ms(retries_used, random)),
    }
}

/// The attempts of one call: how many retries it has used, and how its last
/// attempt ended. One budget is carried through the transport's retries
/// and the retries after a lookup, so a call makes at most
/// `max_retries + 1` attempts in all. Neither `Copy` nor `Clone`: a copy
/// would be a second budget, which is what this exists to prevent.
#[derive(Debug, PartialEq)]
pub struct Budget {
    pub retries_used: u32,
    pub last: Option<Outcome>,
}

impl Budget {
    pub const fn new() -> Budget {
        Budget { retries_used: 0, last: None }
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new()
    }
}

/// Exponential backoff for attempt `attempt` (0 for the first retry): 500 ms,
/// 1 s, 2 s, ... capped at 8 s, less up to 25% jitter (`random` in [0, 1)).
pub fn backoff_ms(attempt: u32, random: f64) -> f64 {
    let exp = INITIAL_BACKOFF_MS * 2f64.powi(attempt.min(16) as i32);
    exp.min(MAX_BACKOFF_MS) * (1.0 - 0.25 * random.clamp(0.0, 1.0))
}

/// The wait a server asked for: `retry-after-ms` (milliseconds) first, then
/// `Retry-After` as seconds or an HTTP date (relative to `now_ms`, epoch ms).
/// Negative, unparseable or absent values give `None`.
pub fn server_delay_ms(retry_after_ms: Option<&str>, retry_after: Option<&str>, now_ms: f64) -> Option<f64> {
    if let Some(ms) = retry_after_ms.and_then(|v| parse_decimal(v.trim())) {
        return Some(ms);
    }
    let v = retry_after?.trim();
    if let Some(secs) = parse_decimal(v) {
        return Some(secs * 1000.0);
    }
    let at = parse_http_date(v)?;
    Some((at - now_ms).max(0.0))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to epoch milliseconds.
/// The obsolete RFC 850 and asctime forms are not sent by current servers.
///
/// By hand rather than with the `httpdate` crate, for the browser download's
/// size, for a header that is rarely a date at all (CONTRIBUTING.md,
/// "Decisions").
pub fn parse_http_date(s: &str) -> Option<f64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_weekday, day, month, year, time, zone] = parts.as_slice() else { return None };
    if *zone != "GMT" && *zone != "UTC" {
        return None;
    }
    let day: u32 = day.parse().ok()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as u32 + 1;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<u32> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else { return None };
    if !(1..=31).contains(&day) || *h > 23 || *m > 59 || *sec > 60 || !(1970..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + (*h as i64) * 3600 + (*m as i64) * 60 + *sec as i64) * 1000) as f64)
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's method).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use Method::*;
    use Outcome::*;

    #[test]
    fn get_and_delete_retry_transient_failures_only() {
        for m in [Get, Delete] {
            for o in [Network, Timeout, Status(408), Status(429), Status(500), Status(502), Status(503), Status(504)] {
                assert!(is_retryable(m, o), "{m:?} {o:?}");
            }
            for o in [Status(400), Status(401), Status(403), Status(404), Status(409), Status(422)] {
                assert!(!is_retryable(m, o), "{m:?} {o:?}");
            }
        }
    }

    #[test]
    fn post_is_repeated_blindly_only_when_the_server_did_not_act() {
        assert!(is_retryable(Post, Status(429)));
        assert!(is_retryable(Post, Status(503)));
        for o in [Network, Timeout, Status(500), Status(502), Status(504), Status(408)] {
            assert!(!is_retryable(Post, o), "{o:?}");
        }
    }

    #[test]
    fn backoff_doubles_from_500ms_caps_at_8s_and_jitters_down() {
        assert_eq!(backoff_ms(0, 0.0), 500.0);
        assert_eq!(backoff_ms(1, 0.0), 1000.0);
        assert_eq!(backoff_ms(4, 0.0), 8000.0);
        assert_eq!(backoff_ms(40, 0.0), 8000.0);
        assert_eq!(backoff_ms(0, 1.0), 375.0);
        assert!(backoff_ms(3, 0.5) < 4000.0 && backoff_ms(3, 0.5) >= 3000.0);
    }

    #[test]
    fn server_delay_reads_ms_then_seconds_then_date() {
        let now = parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(server_delay_ms(Some("250"), Some("9"), now), Some(250.0));
        assert_eq!(server_delay_ms(None, Some("2"), now), Some(2000.0));
        assert_eq!(server_delay_ms(None, Some("1.5"), now), Some(1500.0));
        assert_eq!(server_delay_ms(None, Some("Wed, 21 Oct 2015 07:28:03 GMT"), now), Some(3000.0));
        assert_eq!(server_delay_ms(None, Some("Wed, 21 Oct 2015 07:27:00 GMT"), now), Some(0.0));
        assert_eq!(server_delay_ms(Some("-1"), Some("x"), now), None);
        assert_eq!(server_delay_ms(None, Some("-5"), now), None);
        assert_eq!(server_delay_ms(None, None, now), None);
    }

    #[test]
    fn http_dates_parse_to_epoch_ms() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0.0));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777_000.0));
        assert_eq!(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"), None);
        assert_eq!(parse_http_date("garbage"), None);
    }

    #[test]
    fn decide_respects_budget_and_server_requests() {
        let d = |m, o, used, server| decide(m, o, Acted::Unknown, used, 2, server, 0.0);
        assert_eq!(d(Get, Status(503), 0, None), Next::Retry(500.0));
        assert_eq!(d(Get, Status(503), 2, None), Next::Stop);
        assert_eq!(decide(Get, Status(429), Acted::Unknown, 0, 2, Some(1200.0), 0.9), Next::Retry(1200.0));
        assert_eq!(d(Get, Status(429), 0, Some(120_000.0)), Next::Stop);
        assert_eq!(d(Get, Status(404), 0, None), Next::Stop);
        assert_eq!(d(Post, Status(409), 0, None), Next::Stop);
    }

    #[test]
    fn a_post_that_may_have_acted_is_looked_for_first_and_repeated_only_once_nothing_was_found() {
        assert_eq!(decide(Post, Unreadable, Acted::Unknown, 0, 2, None, 0.0), Next::LookFirst);
        assert_eq!(decide(Post, Unreadable, Acted::NothingFound, 0, 2, None, 0.0), Next::Stop, "a 2xx acted: never sent again");
        assert_eq!(decide(Get, Unreadable, Acted::Unknown, 0, 2, None, 0.0), Next::Retry(500.0));
        for o in [Network, Timeout, Status(500), Status(502), Status(504)] {
            assert_eq!(decide(Post, o, Acted::Unknown, 0, 2, None, 0.0), Next::LookFirst, "{o:?}");
            // Even with the budget spent: what was made is still worth finding.
            assert_eq!(decide(Post, o, Acted::Unknown, 2, 2, None, 0.0), Next::LookFirst, "{o:?}");
            assert_eq!(decide(Post, o, Acted::NothingFound, 0, 2, None, 0.0), Next::Retry(500.0), "{o:?}");
            assert_eq!(decide(Post, o, Acted::NothingFound, 2, 2, None, 0.0), Next::Stop, "{o:?}");
        }
        // GET and DELETE never need a lookup: repeating them makes nothing.
        assert_eq!(decide(Get, Network, Acted::Unknown, 0, 2, None, 0.0), Next::Retry(500.0));
        assert_eq!(decide(Delete, Status(504), Acted::Unknown, 1, 2, None, 0.0), Next::Retry(1000.0));
        assert!(!may_have_acted(Get, Network) && !may_have_acted(Post, Status(503)) && !may_have_acted(Post, Status(429)));
    }

    /// Any mix of failures, counted against one budget, ends within
    /// `max_retries + 1` attempts: a model of the loop the transport and the
    /// plan share (the end-to-end suite counts the real one's requests).
    #[test]
    fn no_mix_of_failures_makes_more_than_max_retries_plus_one_attempts() {
        let outcomes = [Status(503), Status(429), Network, Timeout, Status(502), Status(504), Status(500), Status(408), Unreadable];
        for max in 0..4u32 {
            for method in [Get, Post, Delete, Patch] {
                for seed in 0..outcomes.len() {
                    let mut budget = Budget::new();
                    let mut attempts = 1;
                    let mut i = seed;
                    loop {
                        let outcome = outcomes[i % outcomes.len()];
                        i += 3;
                        let next = match decide(method, outcome, Acted::Unknown, budget.retries_used, max, None, 0.5) {
                            // The lookup found nothing: the same policy, told so.
                            Next::LookFirst => decide(method, outcome, Acted::NothingFound, budget.retries_used, max, None, 0.5),
                            other => other,
                        };
                        match next {
                            Next::Retry(_) => {
                                budget.retries_used += 1;
                                attempts += 1;
                            }
                            Next::LookFirst => unreachable!("a lookup is asked for once per failure"),
                            Next::Stop => break,
                        }
                    }
                    assert!(attempts <= max + 1, "{method:?} max {max}: {attempts} attempts");
                }
            }
        }
    }
}
