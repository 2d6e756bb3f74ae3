//! Substring search and replacement for the few places that need them
//! (redacting a secret, a network error's cause). A plain byte scan: core's
//! `str` pattern searcher, with its panic paths, was about 7 KB of the wasm
//! for strings that are at most a few KB long.

use crate::prelude::*;

/// Where `needle` first occurs in `text`, from byte `from`.
fn find_from(text: &str, needle: &str, from: usize) -> Option<usize> {
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    if n.is_empty() || t.len() < n.len() {
        return None;
    }
    (from..=t.len() - n.len()).find(|&i| t.get(i..i + n.len()) == Some(n))
}

/// Whether `needle` (non-empty) occurs in `text`.
pub fn contains(text: &str, needle: &str) -> bool {
    find_from(text, needle, 0).is_some()
}

/// `text` with every occurrence of `needle` (non-empty) replaced by `with`.
/// A match of a UTF-8 needle in UTF-8 text starts and ends on character
/// boundaries, so the pieces between matches are whole characters.
pub fn replace_all(text: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(i) = find_from(text, needle, at) {
        out.push_str(text.get(at..i).unwrap_or_default());
        out.push_str(with);
        at = i + needle.len();
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std() {
        let cases = [
            ("", "k"),
            ("k", "k"),
            ("key=sk_1 and sk_1", "sk_1"),
            ("sk_1sk_1sk_1", "sk_1"),
            ("aaa", "aa"),
            ("héllo wörld ö", "ö"),
            ("no match here", "zzz"),
            ("short", "longer than text"),
        ];
        for (text, needle) in cases {
            assert_eq!(contains(text, needle), text.contains(needle), "{text:?} {needle:?}");
            assert_eq!(replace_all(text, needle, "[redacted]"), text.replace(needle, "[redacted]"), "{text:?} {needle:?}");
        }
    }
}
