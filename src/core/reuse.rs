//! `snapshots.ensure`: which of the snapshots already named for a spec to
//! use, and the idempotency key of a build when none will do. Pure, so that
//! every client looking at the same list decides the same thing.

use super::poll::{phase, Phase};

/// A snapshot that carries the ensured name, as listed.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub id: String,
    pub status: String,
    /// ISO-8601 UTC, so text order is time order; ties go to the smaller id.
    pub created_at: String,
}

#[derive(Debug, PartialEq)]
pub enum Decision {
    /// A ready one: returned as it is (the oldest, when there are several).
    Reuse(usize),
    /// One being built: waited for (the oldest, when a server that ignores
    /// idempotency keys let two builds start).
    Join(usize),
    /// Only failed ones, and `rebuildFailed` is off: rejected with the newest.
    Refuse(usize),
    /// Nothing usable: build, with this `Idempotency-Key`.
    Build(String),
}

/// Decides from the listed snapshots. `stale` is the id a replayed create
/// answered with although the snapshot is gone (deleted after an earlier
/// ensure): the next key moves past it, as every client seeing it will.
pub fn decide(fingerprint: &str, seen: &[Seen], rebuild_failed: bool, stale: Option<&str>) -> Decision {
    let oldest = |want: Phase| seen.iter().enumerate().filter(|(_, s)| phase(&s.status) == want).min_by(|(_, a), (_, b)| order(a, b));
    if let Some((i, _)) = oldest(Phase::Ready) {
        return Decision::Reuse(i);
    }
    if let Some((i, _)) = oldest(Phase::InProgress) {
        return Decision::Join(i);
    }
    let newest_failed = seen.iter().enumerate().max_by(|(_, a), (_, b)| order(a, b));
    match (newest_failed, rebuild_failed, stale) {
        (Some((i, _)), false, _) => Decision::Refuse(i),
        // Keyed after the failure: a second ensure of a failed spec builds
        // again, once, however many clients ask at the same moment.
        (Some((_, failed)), true, _) => Decision::Build(format!("ensure-{fingerprint}-after-{}", failed.id)),
        (None, _, Some(gone)) => Decision::Build(format!("ensure-{fingerprint}-after-{gone}")),
        (None, _, None) => Decision::Build(format!("ensure-{fingerprint}")),
    }
}

fn order(a: &Seen, b: &Seen) -> std::cmp::Ordering {
    (a.created_at.as_str(), a.id.as_str()).cmp(&(b.created_at.as_str(), b.id.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(id: &str, status: &str, at: &str) -> Seen {
        Seen { id: id.into(), status: status.into(), created_at: at.into() }
    }

    #[test]
    fn ready_beats_building_and_the_oldest_wins() {
        let list = [seen("b", "building", "2026-01-01T00:00:00Z"), seen("r2", "ready", "2026-01-03T00:00:00Z"), seen("r1", "READY", "2026-01-02T00:00:00Z")];
        assert_eq!(decide("f", &list, true, None), Decision::Reuse(2));
    }

    #[test]
    fn two_builds_resolve_to_the_oldest_and_ties_to_the_smaller_id() {
        let list = [seen("s2", "pending", "2026-01-01T00:00:00Z"), seen("s1", "building", "2026-01-01T00:00:00Z")];
        assert_eq!(decide("f", &list, true, None), Decision::Join(1));
    }

    #[test]
    fn failed_ones_are_rebuilt_after_the_newest_or_refused() {
        let list = [seen("old", "failed", "2026-01-01T00:00:00Z"), seen("new", "error", "2026-01-02T00:00:00Z")];
        assert_eq!(decide("f", &list, true, None), Decision::Build("ensure-f-after-new".into()));
        assert_eq!(decide("f", &list, false, None), Decision::Refuse(1));
    }

    #[test]
    fn nothing_builds_with_the_fingerprint_key_or_past_a_stale_answer() {
        assert_eq!(decide("f", &[], true, None), Decision::Build("ensure-f".into()));
        assert_eq!(decide("f", &[], false, Some("gone")), Decision::Build("ensure-f-after-gone".into()));
    }
}
