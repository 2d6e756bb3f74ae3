//! How values appear in messages and headers: numbers as JS prints them,
//! user strings quoted and shortened. A leaf of the core, so that both the
//! checks (`validate`) and the errors (`error`) can use it.

/// A number for a message, as JS would print it for everyday values.
///
/// Written by hand: Rust's float formatting costs about 15 KB of wasm, and
/// messages need no more than six fractional digits.
pub fn show_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let sign = if n < 0.0 { "-" } else { "" };
    let mut a = n.abs();
    if a >= 1e15 {
        let mut exp = 0;
        while a >= 10.0 {
            a /= 10.0;
            exp += 1;
        }
        return format!("{sign}{}e+{exp}", a as u8);
    }
    let mut out = format!("{sign}{}", a as u64);
    let mut frac = a.fract();
    if frac > 0.0 {
        out.push('.');
        for _ in 0..6 {
            frac *= 10.0;
            let digit = frac as u8;
            out.push(char::from(b'0' + digit.min(9)));
            frac = frac.fract();
            if frac < 1e-9 {
                break;
            }
        }
        while out.ends_with('0') {
            out.pop();
        }
        if out.ends_with('.') {
            out.pop();
        }
    }
    out
}

/// Parses a plain decimal (`12`, `1.5`, `.25`): what `Retry-After` headers
/// carry. No sign or exponent. Hand-written for the same reason as above.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || int.len() > 15 || frac.len() > 15 {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = |d: &str| d.bytes().fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    Some(digits(int) as f64 + digits(frac) as f64 / 10f64.powi(frac.len() as i32))
}

/// A user string inside a message: quoted, shortened, control characters escaped.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        if i == 60 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// A character for a message: `a space`, or its code point.
pub fn describe_char(c: char) -> String {
    if c == ' ' {
        "a space".into()
    } else {
        format!("U+{:04X}", c as u32)
    }
}
