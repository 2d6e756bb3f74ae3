//! Text without core's heavier machinery, which the wasm would otherwise
//! carry for short messages:
//! - `cat!(a, b, ...)` joins strings, chars, booleans and whole numbers,
//!   where `format!` would bring in `core::fmt` (floats have no `Piece`:
//!   they go through `show_number`, which prints them as JavaScript does);
//! - substring search and replacement by a plain byte scan, where `str`'s
//!   pattern searcher and its panic paths were about 7 KB of the wasm.

use crate::prelude::*;

/// What `cat!` expands to: one call per message, its pieces behind trait
/// objects (appending them inline at every call site measured larger).
pub fn concat(pieces: &[&dyn Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        piece.push_onto(&mut out);
    }
    out
}

/// `items` with `sep` between them, as `[..].join(sep)`; the std join's
/// size-computing copy was larger than this loop.
pub fn join<T: AsRef<str>>(items: &[T], sep: &str) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item.as_ref());
    }
    out
}

/// Something `cat!` can append.
pub trait Piece {
    fn push_onto(&self, out: &mut String);
}

impl Piece for str {
    fn push_onto(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn push_onto(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for char {
    fn push_onto(&self, out: &mut String) {
        out.push(*self);
    }
}

impl Piece for bool {
    fn push_onto(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn push_onto(&self, out: &mut String) {
        (**self).push_onto(out);
    }
}

/// Decimal digits of a whole number.
fn push_decimal(mut n: u64, negative: bool, out: &mut String) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        out.push('-');
    }
    for &d in digits.iter().skip(start) {
        out.push(d as char);
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn push_onto(&self, out: &mut String) {
                push_decimal(*self as u64, false, out);
            }
        }
    )*};
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn push_onto(&self, out: &mut String) {
                push_decimal(self.unsigned_abs() as u64, *self < 0, out);
            }
        }
    )*};
}

unsigned!(u8, u16, u32, u64, usize);
signed!(i32, i64);

/// `U+` and at least four upper-case hex digits of a code point (`U+000A`).
pub fn code_point(c: char) -> String {
    let hex = b"0123456789ABCDEF";
    let n = c as u32;
    let mut out = String::from("U+");
    let mut started = false;
    for shift in (0..6u32).rev() {
        let nibble = ((n >> (shift * 4)) & 0xf) as usize;
        if nibble != 0 || shift < 4 || started {
            started = true;
            // A nibble is below 16; `get` keeps the scan free of indexing.
            out.push(hex.get(nibble).map_or('0', |&b| b as char));
        }
    }
    out
}

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
    fn cat_joins_like_format() {
        let name = String::from("vcpu_count");
        assert_eq!(cat!(name, ": must be at most ", 8u32, ", got ", -12i64, ' ', "x"), format!("{name}: must be at most 8, got -12 x"));
        assert_eq!(cat!("?wait=", true, "&x=", false), "?wait=true&x=false");
        for n in [0u64, 7, 10, 65_536, u64::MAX] {
            assert_eq!(cat!(n), n.to_string());
        }
        for n in [0i64, -1, i64::MIN, i64::MAX] {
            assert_eq!(cat!(n), n.to_string());
        }
        assert_eq!(join(&["a", "b", "c"], " or "), "a or b or c");
        assert_eq!(join(&[String::from("x")], "&"), "x");
        assert_eq!(join::<&str>(&[], "&"), "");
    }

    #[test]
    fn code_points_match_the_format_spec() {
        for c in ['\0', '\n', 'é', '\u{2028}', '\u{FEFF}', '\u{1F600}', '\u{10FFFF}'] {
            assert_eq!(code_point(c), format!("U+{:04X}", c as u32));
        }
    }

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
