//! Field checks shared by every request builder. Each error names the field
//! (dotted, `build_args.disk_size_gb`) and says what was expected and what came.


use super::error::ClientError;
use super::value::Value;

// How values appear in messages: kept in a leaf (`text`) that `error` uses too.
pub use super::text::{describe_char, parse_decimal, quote, show_number};

/// `None` for absent and `null` (both mean "use the server's default").
pub fn present(v: Option<&Value>) -> Option<&Value> {
    match v {
        None | Some(Value::Null) => None,
        Some(v) => Some(v),
    }
}

/// An integer in `min..=max`.
pub fn integer_in(field: &str, v: &Value, min: i64, max: i64) -> Result<i64, ClientError> {
    let expected = || format!("must be an integer from {min} to {max}");
    let Value::Number(n) = v else {
        return Err(ClientError::invalid(field, format!("{}, got {}", expected(), v.type_name())));
    };
    if !n.is_finite() || n.fract() != 0.0 {
        return Err(ClientError::invalid(field, format!("{}, got {}", expected(), show_number(*n))));
    }
    if *n < min as f64 || *n > max as f64 {
        return Err(ClientError::invalid(field, format!("{}, got {}", expected(), show_number(*n))));
    }
    Ok(*n as i64)
}

/// A duration in milliseconds: finite, above zero, at most what `setTimeout`
/// can hold (2^31 - 1 ms, about 24.8 days).
pub fn duration_ms(field: &str, v: &Value) -> Result<f64, ClientError> {
    match v {
        Value::Number(n) if n.is_finite() && *n > 0.0 && *n <= MAX_TIMER_MS => Ok(*n),
        Value::Number(n) => Err(ClientError::invalid(
            field,
            format!("must be a number of milliseconds above 0 and at most 2147483647, got {}", show_number(*n)),
        )),
        other => Err(ClientError::invalid(field, format!("must be a number of milliseconds, got {}", other.type_name()))),
    }
}

/// The longest delay a JS timer holds; longer ones fire at once.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// A string (any content), not another type.
pub fn string<'a>(field: &str, v: &'a Value) -> Result<&'a str, ClientError> {
    v.as_str().ok_or_else(|| ClientError::invalid(field, format!("must be a string, got {}", v.type_name())))
}

/// A non-empty string with no whitespace or control characters (an image
/// reference, a URL, a branch), at most `max` bytes.
pub fn token(field: &str, v: &Value, max: usize) -> Result<String, ClientError> {
    let s = string(field, v)?;
    if s.is_empty() {
        return Err(ClientError::invalid(field, "must not be empty"));
    }
    if s.len() > max {
        return Err(ClientError::invalid(field, format!("must be at most {max} bytes, got {}", s.len())));
    }
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(ClientError::invalid(field, format!("must not contain whitespace or control characters (found {})", describe_char(c))));
    }
    Ok(s.to_string())
}

/// A free-text string of at most `max` bytes without NUL characters.
pub fn text(field: &str, v: &Value, max: usize) -> Result<String, ClientError> {
    let s = string(field, v)?;
    if s.len() > max {
        return Err(ClientError::invalid(field, format!("must be at most {max} bytes, got {}", s.len())));
    }
    if s.contains('\0') {
        return Err(ClientError::invalid(field, "must not contain NUL characters"));
    }
    Ok(s.to_string())
}

/// One of the listed literals, exactly.
pub fn one_of(field: &str, v: &Value, allowed: &[&str]) -> Result<String, ClientError> {
    let s = string(field, v)?;
    if allowed.contains(&s) {
        Ok(s.to_string())
    } else {
        Err(ClientError::invalid(field, format!("must be one of {}, got {}", quoted_list(allowed), quote(s))))
    }
}

/// A value that JSON can carry (for keys passed through untouched).
pub fn json_compatible(field: &str, v: &Value) -> Result<(), ClientError> {
    match v {
        Value::Other(kind) => Err(ClientError::invalid(field, format!("cannot be sent as JSON (got {kind})"))),
        Value::Number(n) if !n.is_finite() => Err(ClientError::invalid(field, format!("must be a finite number, got {}", show_number(*n)))),
        Value::Array(items) => items.iter().enumerate().try_for_each(|(i, item)| json_compatible(&format!("{field}[{i}]"), item)),
        Value::Object(members) => members.iter().try_for_each(|(k, item)| json_compatible(&format!("{field}.{k}"), item)),
        _ => Ok(()),
    }
}

/// A POSIX-style environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 256
}

fn quoted_list(items: &[&str]) -> String {
    items.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_must_be_finite_whole_and_in_range() {
        let ok = integer_in("vcpu_count", &Value::Number(8.0), 1, 8);
        assert_eq!(ok, Ok(8));
        for bad in [Value::Number(9.0), Value::Number(0.0), Value::Number(1.5), Value::Number(f64::NAN), Value::Number(f64::INFINITY), Value::String("2".into()), Value::Bool(true)] {
            let e = integer_in("vcpu_count", &bad, 1, 8).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("vcpu_count"), "{bad:?}");
            assert!(e.message.starts_with("vcpu_count: must be an integer from 1 to 8"), "{}", e.message);
        }
    }

    #[test]
    fn tokens_refuse_whitespace_and_control_characters() {
        assert!(token("oci_image", &Value::String("a b".into()), 100).unwrap_err().message.contains("a space"));
        assert!(token("oci_image", &Value::String("a\nb".into()), 100).is_err());
        assert!(token("oci_image", &Value::String("".into()), 100).is_err());
        assert!(token("oci_image", &Value::String("x".repeat(101)), 100).is_err());
        assert_eq!(token("oci_image", &Value::String("ok:1".into()), 100).as_deref(), Ok("ok:1"));
    }

    #[test]
    fn env_names() {
        for good in ["A", "_x", "APP_ENV", "a1"] {
            assert!(is_env_name(good), "{good}");
        }
        for bad in ["", "1A", "A-B", "A B", "Ä", "A=B"] {
            assert!(!is_env_name(bad), "{bad}");
        }
    }

    #[test]
    fn durations_fit_a_timer() {
        assert_eq!(duration_ms("timeoutMs", &Value::Number(1.0)), Ok(1.0));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 3e9] {
            assert!(duration_ms("timeoutMs", &Value::Number(bad)).is_err(), "{bad}");
        }
        assert!(duration_ms("timeoutMs", &Value::String("5".into())).is_err());
    }

    #[test]
    fn numbers_print_like_js_for_everyday_values() {
        let cases = [(9.0, "9"), (-3.0, "-3"), (1.5, "1.5"), (0.25, "0.25"), (2.1, "2.1"), (1e300, "1e+300"), (f64::NAN, "NaN"), (f64::NEG_INFINITY, "-Infinity")];
        for (n, want) in cases {
            assert_eq!(show_number(n), want);
        }
    }

    #[test]
    fn decimals_parse() {
        assert_eq!(parse_decimal("12"), Some(12.0));
        assert_eq!(parse_decimal("1.5"), Some(1.5));
        assert_eq!(parse_decimal(".25"), Some(0.25));
        for bad in ["", ".", "-1", "1e3", "1.2.3", "x", " 1", "9999999999999999"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn characters_are_described_by_code_point() {
        assert_eq!(describe_char(' '), "a space");
        assert_eq!(describe_char('\n'), "U+000A");
        assert_eq!(describe_char('\u{2028}'), "U+2028");
        assert_eq!(describe_char('\u{1F600}'), "U+1F600");
    }

    #[test]
    fn quoting_shortens_and_escapes() {
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
        assert!(quote(&"y".repeat(500)).chars().count() < 70);
    }

    #[test]
    fn json_compatibility_is_checked_deeply() {
        let v = Value::Object(vec![("a".into(), Value::Array(vec![Value::Other("function")]))]);
        let e = json_compatible("build_args", &v).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("build_args.a[0]"));
    }
}
