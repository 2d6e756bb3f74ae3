//! The poll schedule for a build: when to ask again, and what a status means.
//!
//! Builds take seconds to tens of minutes. Polling fast at first catches quick
//! builds promptly; growing the interval to a ceiling keeps a long build from
//! costing hundreds of requests while bounding how late `ready` is noticed.

/// Default first interval between polls.
pub const DEFAULT_INTERVAL_MS: f64 = 1_000.0;
/// Default ceiling of the interval.
pub const DEFAULT_MAX_INTERVAL_MS: f64 = 5_000.0;
/// Default deadline of a whole wait: 30 minutes, the official SDK's too.
pub const DEFAULT_WAIT_TIMEOUT_MS: f64 = 30.0 * 60.0 * 1000.0;
/// Growth of the interval per poll.
pub const GROWTH: f64 = 1.5;
/// At most this share of an interval is taken off at random, so that many
/// clients started together drift apart instead of polling in lockstep.
pub const JITTER: f64 = 0.2;

/// Where a build stands, read from its `status` (case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `pending`, `building`, or any status this client does not know yet.
    InProgress,
    Ready,
    /// `failed` or `error`.
    Failed,
}

pub fn phase(status: &str) -> Phase {
    let s = status.trim();
    if s.eq_ignore_ascii_case("ready") {
        Phase::Ready
    } else if s.eq_ignore_ascii_case("failed") || s.eq_ignore_ascii_case("error") {
        Phase::Failed
    } else {
        Phase::InProgress
    }
}

/// The wait before poll number `poll + 1` (`poll` counts from 0):
/// `interval * 1.5^poll`, capped at `max_interval`, less up to 20% jitter
/// (`random` in [0, 1)). Never above `max_interval`, so `ready` is seen at most
/// one ceiling after it happens.
pub fn delay_ms(poll: u32, interval_ms: f64, max_interval_ms: f64, random: f64) -> f64 {
    let grown = interval_ms * GROWTH.powi(poll.min(64) as i32);
    grown.min(max_interval_ms) * (1.0 - JITTER * random.clamp(0.0, 1.0))
}

/// The delay actually slept: the schedule's, raised to what the server asked
/// for (a 429's `Retry-After`), and cut to end at the deadline. `None` once the
/// deadline has passed.
pub fn sleep_ms(scheduled_ms: f64, server_ms: Option<f64>, now_ms: f64, deadline_ms: f64) -> Option<f64> {
    let remaining = deadline_ms - now_ms;
    if remaining <= 0.0 {
        return None;
    }
    let wanted = server_ms.map_or(scheduled_ms, |s| s.max(scheduled_ms));
    Some(wanted.min(remaining))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_read_case_insensitively() {
        assert_eq!(phase("ready"), Phase::Ready);
        assert_eq!(phase("READY"), Phase::Ready);
        assert_eq!(phase(" Ready "), Phase::Ready);
        assert_eq!(phase("failed"), Phase::Failed);
        assert_eq!(phase("Error"), Phase::Failed);
        assert_eq!(phase("pending"), Phase::InProgress);
        assert_eq!(phase("building"), Phase::InProgress);
        assert_eq!(phase("something-new"), Phase::InProgress);
    }

    #[test]
    fn delay_grows_from_the_interval_to_the_ceiling() {
        let d: Vec<f64> = (0..6).map(|n| delay_ms(n, 1000.0, 5000.0, 0.0)).collect();
        assert_eq!(d, vec![1000.0, 1500.0, 2250.0, 3375.0, 5000.0, 5000.0]);
        assert_eq!(delay_ms(1000, 1000.0, 5000.0, 0.0), 5000.0);
    }

    #[test]
    fn jitter_only_shortens_and_by_at_most_a_fifth() {
        for n in 0..10 {
            for r in [0.0, 0.3, 0.999, 1.0, 7.0, -1.0] {
                let d = delay_ms(n, 1000.0, 5000.0, r);
                let base = delay_ms(n, 1000.0, 5000.0, 0.0);
                assert!(d <= base && d >= base * 0.8, "{n} {r} {d}");
            }
        }
    }

    #[test]
    fn sleeps_end_at_the_deadline_and_honour_the_server() {
        assert_eq!(sleep_ms(1000.0, None, 0.0, 10_000.0), Some(1000.0));
        assert_eq!(sleep_ms(1000.0, None, 9_500.0, 10_000.0), Some(500.0));
        assert_eq!(sleep_ms(1000.0, None, 10_000.0, 10_000.0), None);
        assert_eq!(sleep_ms(1000.0, Some(3000.0), 0.0, 10_000.0), Some(3000.0));
        assert_eq!(sleep_ms(1000.0, Some(10.0), 0.0, 10_000.0), Some(1000.0));
    }

    #[test]
    fn a_ten_minute_build_costs_far_fewer_polls_than_a_fixed_second() {
        // Simulate the default schedule against a build that is ready at 600 s.
        let (mut t, mut polls, mut n) = (0.0, 1, 0);
        while t < 600_000.0 {
            t += delay_ms(n, DEFAULT_INTERVAL_MS, DEFAULT_MAX_INTERVAL_MS, 0.5);
            polls += 1;
            n += 1;
        }
        assert!(polls <= 300, "{polls} polls");
        assert!(t - 600_000.0 <= DEFAULT_MAX_INTERVAL_MS);
    }
}
