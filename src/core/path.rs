//! Ids in URL paths: each id is exactly one percent-encoded segment.


use super::error::ClientError;

/// Encodes `id` as one path segment, keeping only RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`): `/` becomes `%2F`, so an id can never climb out of its
/// route. Empty ids, `.` and `..` are refused, since a URL parser would collapse
/// them into another route.
pub fn encode_segment(field: &str, id: &str) -> Result<String, ClientError> {
    if id.is_empty() {
        return Err(ClientError::invalid(field, "must be a non-empty string"));
    }
    if id == "." || id == ".." {
        return Err(ClientError::invalid(field, format!("'{id}' is not a valid id")));
    }
    if id.len() > 1024 {
        return Err(ClientError::invalid(field, "is longer than 1024 bytes"));
    }
    Ok(percent_encode(id))
}

/// Percent-encodes every byte outside the unreserved set; used for path segments
/// and query components alike, which every server decodes the same way.
///
/// By hand rather than with the `percent-encoding` crate, for the browser
/// download's size (CONTRIBUTING.md, "Decisions", gives the figure).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(hex_digit(byte >> 4));
            out.push(hex_digit(byte & 0xf));
        }
    }
    out
}

/// An uppercase hex digit for a nibble (below 16 by the callers' shift and mask).
fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).map_or('0', |c| c.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_but_unreserved() {
        let cases = [
            ("snap_123", "snap_123"),
            ("a/b", "a%2Fb"),
            ("a b", "a%20b"),
            ("..a", "..a"),
            ("%", "%25"),
            ("?#", "%3F%23"),
            ("line\nbreak", "line%0Abreak"),
            ("é", "%C3%A9"),
            ("~x-y.z_", "~x-y.z_"),
        ];
        for (id, want) in cases {
            assert_eq!(encode_segment("id", id).as_deref(), Ok(want), "{id:?}");
        }
    }

    #[test]
    fn refuses_ids_a_url_would_collapse() {
        for id in ["", ".", ".."] {
            let e = encode_segment("id", id).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("id"));
        }
        assert!(encode_segment("id", &"x".repeat(1025)).is_err());
    }

    #[test]
    fn query_components_are_encoded() {
        assert_eq!(percent_encode("a b&c=d"), "a%20b%26c%3Dd");
    }
}
