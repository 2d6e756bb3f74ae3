//! The route table: method and path pattern to handler. `{}` matches one
//! non-empty path segment, handed to the handler percent-decoded. A path
//! matches at most one pattern; asked with a method that pattern lacks, the
//! answer is a 405 naming the methods it has.
//!
//! The matching is a segment-by-segment comparison rather than a router
//! crate: with nineteen routes a scan costs nothing, and a router crate
//! costs `instavm-wasm/testing` its size budget (CONTRIBUTING.md,
//! "Decisions").

use percent_encoding::percent_decode_str;

use crate::reply::Reply;
use crate::state::Shared;
use crate::wire::{ApiError, Request};
use crate::{attach, inspect, snapshots, vms};

pub(crate) type Handler = fn(&Shared, &Request, &[String]) -> Result<Reply, ApiError>;

const ROUTES: &[(&str, &str, Handler)] = &[
    ("GET", "/v1/snapshots", snapshots::list),
    ("POST", "/v1/snapshots", snapshots::create),
    ("GET", "/v1/snapshots/{}", snapshots::get),
    ("DELETE", "/v1/snapshots/{}", snapshots::delete),
    ("GET", "/v1/vms", vms::list_running),
    ("POST", "/v1/vms", vms::create),
    ("GET", "/v1/vms/", vms::list_all),
    ("GET", "/v1/vms/{}", vms::get),
    ("PATCH", "/v1/vms/{}", vms::update),
    ("DELETE", "/v1/vms/{}", vms::delete),
    ("POST", "/v1/vms/{}/snapshot", vms::snapshot),
    ("POST", "/v1/vms/{}/clone", vms::clone),
    ("POST", "/v1/vms/{}/suspend", vms::suspend),
    ("POST", "/v1/vms/{}/resume", vms::resume),
    ("POST", "/v1/vms/{}/stage-env", attach::stage_env),
    ("GET", "/v1/vms/{}/volumes", attach::list_volumes),
    ("POST", "/v1/vms/{}/volumes", attach::mount_volume),
    ("DELETE", "/v1/vms/{}/volumes/{}", attach::unmount_volume),
    ("GET", "/_emulator/requests", inspect::requests),
];

/// The segments a pattern captures from a path, when it matches.
fn captures(pattern: &str, path: &str) -> Option<Vec<String>> {
    let (mut want, mut have) = (pattern.split('/'), path.split('/'));
    let mut out = Vec::new();
    loop {
        match (want.next(), have.next()) {
            (None, None) => return Some(out),
            // `%XX` decoded, `+` kept, invalid UTF-8 as U+FFFD.
            (Some("{}"), Some(seg)) if !seg.is_empty() => out.push(percent_decode_str(seg).decode_utf8_lossy().into_owned()),
            (Some(w), Some(h)) if w == h => {}
            _ => return None,
        }
    }
}

/// Runs the route for a request (after faults and idempotency); a refusal
/// becomes its JSON answer.
pub(crate) fn route(shared: &Shared, request: &Request) -> Reply {
    dispatch(shared, request).unwrap_or_else(|e| Reply::Now(e.into_response()))
}

fn dispatch(shared: &Shared, request: &Request) -> Result<Reply, ApiError> {
    // HEAD is a GET without the body, as HTTP servers answer it.
    let method = if request.method == "HEAD" { "GET" } else { request.method.as_str() };
    let mut allowed = Vec::new();
    for (m, pattern, handler) in ROUTES {
        let Some(params) = captures(pattern, &request.path) else { continue };
        if *m == method {
            let reply = handler(shared, request, &params)?;
            return Ok(match (reply, request.method == "HEAD") {
                (Reply::Now(mut r), true) => {
                    r.body.clear();
                    Reply::Now(r)
                }
                (reply, _) => reply,
            });
        }
        allowed.push(*m);
    }
    if allowed.is_empty() {
        return Err(ApiError::new(404, "Not Found"));
    }
    if allowed.contains(&"GET") {
        allowed.insert(allowed.iter().position(|m| *m == "GET").map_or(0, |i| i + 1), "HEAD");
    }
    let mut r = ApiError::new(405, "Method Not Allowed").into_response();
    r.set_header("allow", allowed.join(","));
    Ok(Reply::Now(r))
}

#[cfg(test)]
mod tests {
    use super::captures;

    #[test]
    fn patterns_capture_decoded_segments_and_respect_trailing_slashes() {
        assert_eq!(captures("/v1/snapshots/{}", "/v1/snapshots/a%2Fb"), Some(vec!["a/b".to_string()]));
        assert_eq!(captures("/v1/snapshots/{}", "/v1/snapshots/a%20b+c%zz%FF"), Some(vec!["a b+c%zz\u{FFFD}".to_string()]));
        assert_eq!(captures("/v1/vms/{}/suspend", "/v1/vms//suspend"), None);
        assert_eq!(captures("/v1/snapshots/{}", "/v1/snapshots/"), None);
        assert_eq!(captures("/v1/vms", "/v1/vms/"), None);
        assert_eq!(captures("/v1/vms/", "/v1/vms/"), Some(vec![]));
        assert_eq!(captures("/v1/vms/{}/volumes/{}", "/v1/vms/x/volumes/y"), Some(vec!["x".to_string(), "y".to_string()]));
    }
}
