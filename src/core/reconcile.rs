//! After a create-like POST whose answer was lost (the connection dropped, a
//! timeout, a 500, 502 or 504, a 2xx that could not be read): which listed
//! record, if any, is the one it made.
//! The API documents no idempotency key, so a repeat could make a second
//! build or VM; the client looks first, and repeats only when the lookup
//! shows that nothing was made.
//!
//! Pure: the records come in as data, the clock as numbers, so every case
//! is pinned down natively.

use super::value::Value;

/// What a lookup concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// This record (its index in the listing) is the call's.
    Made(usize),
    /// Nothing listed can be the call's: it made nothing, and may be sent again.
    NothingMade,
    /// These records may be the call's and nothing tells which, or whether
    /// any is: the call must not be sent again.
    CannotTell(Vec<usize>),
}

/// What the lookup knows of the call besides the listing.
pub struct Context<'a> {
    /// The fields the call's record carries (`name`, `cloned_from`, ...),
    /// each a dotted path (`build_args.envs`) and the value sent.
    pub wanted: &'a [(String, Value)],
    /// The record's id field (`id`, `vm_id`; empty where records have none).
    pub id_field: &'a str,
    /// Records created before this instant (epoch ms, by the server's clock)
    /// cannot be the call's; `None` where the server's clock is not known.
    /// Records without a readable `created_at` (volumes) are never ruled
    /// out by time.
    pub since_ms: Option<f64>,
    /// Ids this client has already handed to other calls.
    pub claimed: &'a dyn Fn(&str) -> bool,
    /// How many calls of this client with the same request are looking,
    /// this one included, none of them in flight: identical requests are
    /// interchangeable, so while the matches are no more than they, any
    /// unclaimed one may be taken (each call takes its own in turn). 0: no
    /// match may be taken (a call that matches alike is another request).
    pub lookers: usize,
}

/// How one record compares with the call.
#[derive(PartialEq)]
enum Match {
    Yes,
    No,
    /// The server does not report a field that would tell.
    Unknown,
}

/// Finds the call's record among `records` (as listed, newest or oldest
/// first alike). A record that lacks an identifying field counts as "not
/// it" when other records of the listing carry that field (this server
/// reports it, so the call's record would carry it too), and as "cannot
/// tell" when none does.
#[inline(never)]
pub fn find(records: &[Value], cx: &Context<'_>) -> Verdict {
    let reported: Vec<bool> = cx.wanted.iter().map(|(path, _)| records.iter().any(|r| at(r, path).is_some())).collect();
    // Every candidate in listing order, and whether it matched outright.
    let mut found: Vec<(usize, bool)> = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let id = record.get(cx.id_field).and_then(Value::as_str).unwrap_or("");
        if !id.is_empty() && (cx.claimed)(id) {
            continue;
        }
        let created = record.get("created_at").and_then(Value::as_str).and_then(parse_iso8601);
        if let (Some(since), Some(created)) = (cx.since_ms, created) {
            if created < since {
                continue;
            }
        }
        match compare(record, cx.wanted, &reported) {
            Match::Yes => found.push((i, true)),
            Match::Unknown => found.push((i, false)),
            Match::No => {}
        }
    }
    let all_match = found.iter().all(|(_, yes)| *yes);
    match found.first() {
        None => Verdict::NothingMade,
        Some((first, _)) if all_match && found.len() <= cx.lookers => Verdict::Made(*first),
        _ => Verdict::CannotTell(found.into_iter().map(|(i, _)| i).collect()),
    }
}

fn compare(record: &Value, wanted: &[(String, Value)], reported: &[bool]) -> Match {
    let mut result = Match::Yes;
    for ((path, value), reported) in wanted.iter().zip(reported) {
        match at(record, path) {
            Some(v) if json_eq(v, value) => {}
            Some(_) => return Match::No,
            None if *reported => return Match::No,
            None => result = Match::Unknown,
        }
    }
    result
}

/// The non-null value at a dotted path.
fn at<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(record, |v, key| v.get(key)).filter(|v| !matches!(v, Value::Null))
}

/// JSON equality: objects compare without regard to key order.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| b.get(k).is_some_and(|w| json_eq(v, w))) && y.iter().all(|(k, _)| a.get(k).is_some()),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| json_eq(v, w)),
        _ => a == b,
    }
}

/// The fields a snapshot made by `POST /v1/snapshots` with this body carries:
/// the image, name, sizes and type as sent, and each build argument.
pub fn snapshot_fields(body: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for key in ["oci_image", "name", "vcpu_count", "memory_mb", "type"] {
        if let Some(v) = body.get(key).filter(|v| !matches!(v, Value::Null)) {
            out.push((key.to_string(), v.clone()));
        }
    }
    if let Some(Value::Object(args)) = body.get("build_args") {
        for (k, v) in args.iter().filter(|(_, v)| !matches!(v, Value::Null)) {
            out.push((format!("build_args.{k}"), v.clone()));
        }
    }
    out
}

/// What a failed create-like call says about what it may have done.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Note<'a> {
    /// A POST or PATCH with no lookup of its own.
    MayHaveActed,
    /// The lookup for this noun (`snapshot`, `VM`) failed.
    LookupFailed(&'a str),
    /// The lookup found this many records, named by these ids, and could
    /// not tell.
    Candidates(&'a str, usize, &'a [String]),
    /// The lookup found nothing, and the budget allows no repeat.
    NothingFound(&'a str),
    /// The server answered (so the request acted), but its record is not
    /// in the listing.
    NotListed(&'a str),
}

/// The text added to the failure's message for `note`: what to check, or
/// that nothing was made. The candidates are listed by id (the error also
/// carries them whole).
pub fn note(note: Note<'_>) -> String {
    let acted = "; the request may have acted on the server";
    match note {
        Note::MayHaveActed => format!("{acted}: check before sending it again"),
        Note::LookupFailed(noun) => format!("{acted}, and looking for the {noun} it would have made failed: check before sending it again"),
        Note::Candidates(noun, count, ids) => format!("{acted}: {count} {noun}(s) may be its doing, {} (the error's candidates), so it was not sent again", ids.join(", ")),
        Note::NothingFound(noun) => format!("; no {noun} it would have made was found, so it was not sent again"),
        Note::NotListed(noun) => format!("{acted} (it answered), and the {noun} it made is not listed yet: check before sending it again"),
    }
}

/// Parses an ISO-8601 UTC instant (`2026-11-27T09:33:35.123Z`, or with
/// `+00:00`, with or without fractions) to epoch milliseconds. Other offsets
/// and malformed text give `None`: such a record is not ruled out by time.
pub fn parse_iso8601(s: &str) -> Option<f64> {
    let s = s.trim();
    let body = s.strip_suffix('Z').or_else(|| s.strip_suffix("+00:00")).or_else(|| s.strip_suffix('z'))?;
    // `YYYY-MM-DDTHH:MM:SS`, then an optional fraction.
    let b = body.as_bytes();
    let field = |from: usize, len: usize| -> Option<i64> { b.get(from..from + len)?.iter().try_fold(0i64, |n, d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))) };
    let seps = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if seps.iter().any(|(at, c)| b.get(*at) != Some(c)) || !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (year, month, day, h, m, sec) = (field(0, 4)?, field(5, 2)?, field(8, 2)?, field(11, 2)?, field(14, 2)?, field(17, 2)?);
    // Whole milliseconds from the first three digits of the fraction.
    let millis = match b.get(19..) {
        Some([]) => 0,
        Some([b'.', digits @ ..]) if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {
            digits.iter().chain(std::iter::repeat(&b'0')).take(3).fold(0i64, |ms, d| ms * 10 + i64::from(d - b'0'))
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 || year < 1970 {
        return None;
    }
    let days = super::retry::days_from_civil(year, month as u32, day as u32);
    Some(((days * 86_400 + h * 3600 + m * 60 + sec) * 1000 + millis) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_support::{obj, s};

    fn snap(id: &str, name: &str, at: &str) -> Value {
        obj(vec![("id", s(id)), ("name", s(name)), ("oci_image", s("alpine")), ("created_at", s(at))])
    }

    fn cx<'a>(wanted: &'a [(String, Value)], since_ms: Option<f64>, claimed: &'a dyn Fn(&str) -> bool, twins_looking: bool) -> Context<'a> {
        Context { wanted, id_field: "id", since_ms, claimed, lookers: if twins_looking { 2 } else { 1 } }
    }

    #[test]
    fn a_call_alike_but_not_identical_looking_too_blocks_any_claim() {
        let none = |_: &str| false;
        let list = [snap("x", "a", T1)];
        let want = wanted("a");
        let blocked = Context { wanted: &want, id_field: "id", since_ms: None, claimed: &none, lookers: 0 };
        assert_eq!(find(&list, &blocked), Verdict::CannotTell(vec![0]));
        assert_eq!(find(&[], &blocked), Verdict::NothingMade);
    }

    const T0: &str = "2026-12-06T10:00:00.000Z";
    const T1: &str = "2026-12-06T10:00:05.500Z";

    fn wanted(name: &str) -> Vec<(String, Value)> {
        snapshot_fields(&obj(vec![("oci_image", s("alpine")), ("name", s(name))]))
    }

    #[test]
    fn the_one_match_made_since_the_call_began_is_the_calls() {
        let since = parse_iso8601("2026-12-06T10:00:01Z");
        let none = |_: &str| false;
        let list = [snap("old", "a", T0), snap("new", "a", T1), snap("other", "b", T1)];
        assert_eq!(find(&list, &cx(&wanted("a"), since, &none, false)), Verdict::Made(1));
        // Without the clock, two identical ones cannot be told apart.
        assert_eq!(find(&list, &cx(&wanted("a"), None, &none, false)), Verdict::CannotTell(vec![0, 1]));
        // One this client already handed to another call is not a candidate.
        let claimed = |id: &str| id == "old";
        assert_eq!(find(&list, &cx(&wanted("a"), None, &claimed, false)), Verdict::Made(1));
    }

    #[test]
    fn nothing_matching_means_nothing_made_and_identical_calls_share_the_matches() {
        let none = |_: &str| false;
        let list = [snap("x", "b", T1)];
        assert_eq!(find(&list, &cx(&wanted("a"), None, &none, true)), Verdict::NothingMade);
        assert_eq!(find(&[], &cx(&wanted("a"), None, &none, false)), Verdict::NothingMade);
        // Two identical calls looking, two matches: this one takes the first
        // (the other, once this one has claimed it, the second).
        let list = [snap("x", "a", T1), snap("y", "a", T1)];
        assert_eq!(find(&list, &cx(&wanted("a"), None, &none, true)), Verdict::Made(0));
        let claimed = |id: &str| id == "x";
        assert_eq!(find(&list, &cx(&wanted("a"), None, &claimed, true)), Verdict::Made(1));
        // More matches than calls looking: some are not theirs, and which cannot be told.
        let list = [snap("x", "a", T1), snap("y", "a", T1), snap("z", "a", T1)];
        assert_eq!(find(&list, &cx(&wanted("a"), None, &none, true)), Verdict::CannotTell(vec![0, 1, 2]));
    }

    #[test]
    fn a_field_this_server_does_not_report_cannot_tell_and_one_it_reports_elsewhere_rules_out() {
        let none = |_: &str| false;
        let want = vec![("cloned_from".to_string(), s("vm_a"))];
        let plain = obj(vec![("id", s("vm_1")), ("created_at", s(T1))]);
        let clone = obj(vec![("id", s("vm_2")), ("cloned_from", s("vm_a")), ("created_at", s(T1))]);
        let other = obj(vec![("id", s("vm_3")), ("cloned_from", s("vm_b")), ("created_at", s(T1))]);
        assert_eq!(find(&[plain.clone()], &cx(&want, None, &none, false)), Verdict::CannotTell(vec![0]));
        assert_eq!(find(&[plain.clone(), clone], &cx(&want, None, &none, false)), Verdict::Made(1));
        assert_eq!(find(&[plain, other], &cx(&want, None, &none, false)), Verdict::NothingMade);
    }

    #[test]
    fn build_args_and_objects_compare_by_value() {
        let body = obj(vec![("oci_image", s("alpine")), ("build_args", obj(vec![("envs", obj(vec![("A", s("1")), ("B", s("2"))])), ("disk_size_gb", Value::Number(2.0))]))]);
        let want = snapshot_fields(&body);
        assert_eq!(want.len(), 3);
        let record = |envs: Value| obj(vec![("id", s("s")), ("oci_image", s("alpine")), ("build_args", obj(vec![("disk_size_gb", Value::Number(2.0)), ("envs", envs)]))]);
        let none = |_: &str| false;
        let same = record(obj(vec![("B", s("2")), ("A", s("1"))]));
        assert_eq!(find(&[same], &cx(&want, None, &none, false)), Verdict::Made(0));
        let different = record(obj(vec![("A", s("1"))]));
        assert_eq!(find(&[different], &cx(&want, None, &none, false)), Verdict::NothingMade);
    }

    #[test]
    fn a_note_names_the_candidates_to_check() {
        let ids: Vec<String> = (1..=3).map(|i| format!("snap_{i}")).collect();
        assert_eq!(
            note(Note::Candidates("snapshot", 3, &ids)),
            "; the request may have acted on the server: 3 snapshot(s) may be its doing, snap_1, snap_2, snap_3 (the error's candidates), so it was not sent again"
        );
        assert!(note(Note::LookupFailed("VM")).contains("looking for the VM it would have made failed"));
        assert!(note(Note::MayHaveActed).ends_with("check before sending it again"));
        assert_eq!(note(Note::NothingFound("mount")), "; no mount it would have made was found, so it was not sent again");
    }

    #[test]
    fn instants_parse_to_epoch_ms() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_iso8601("1970-01-01T00:00:01.5Z"), Some(1500.0));
        assert_eq!(parse_iso8601("1994-11-06T08:49:37+00:00"), Some(784_111_777_000.0));
        assert_eq!(parse_iso8601("2026-12-06T10:00:05.500Z"), Some(parse_iso8601("2026-12-06T10:00:05Z").unwrap_or(0.0) + 500.0));
        for bad in ["", "2026-12-06", "2026-13-01T00:00:00Z", "2026-12-06T10:00:00+02:00", "2026-12-06T10:00:00.x1Z", "soon"] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }
}
