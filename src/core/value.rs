//! A JSON-shaped value: what the platform layer reads out of a JS object, and
//! what request bodies are built from.
//!
//! The client deliberately carries no serde: the JS engine parses responses, and
//! bodies are small, so a hand-written writer is both smaller and faster in wasm.

use crate::prelude::*;

use super::float::fract;
/// A value read from JS. `Other` names what JSON cannot hold (a function, a
/// symbol, a bigint) so that validation can say what it found.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    /// Own enumerable keys in insertion order; `undefined` members are left out,
    /// as `JSON.stringify` does.
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

impl Value {
    /// The JS-ish name of this value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_nan() => "NaN",
            Value::Number(n) if n.is_infinite() => "Infinity",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Other(name) => name,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Looks a key up in an object (the last one wins, as in JS).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Serialises to compact JSON. Non-finite numbers become `null`, as in JS;
    /// validation refuses them before a body is ever written.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null | Value::Other(_) => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => write_number(*n, out),
            Value::String(s) => write_string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(k, out);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_number(n: f64, out: &mut String) {
    if !n.is_finite() {
        out.push_str("null");
    } else if fract(n) == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        // Integers print without a fraction, as JS prints them.
        out.push_str(&cat!(n as i64));
    } else {
        out.push_str(&n.to_string());
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(hex_digit((c as u32) >> 4));
                out.push(hex_digit(c as u32 & 0xf));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn hex_digit(n: u32) -> char {
    char::from_digit(n & 0xf, 16).unwrap_or('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(members: &[(&str, Value)]) -> Value {
        Value::Object(members.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn writes_compact_json_in_insertion_order() {
        let v = obj(&[
            ("b", Value::Number(2.0)),
            ("a", Value::Array(vec![Value::Bool(true), Value::Null, Value::Number(1.5)])),
            ("s", Value::String("x".into())),
        ]);
        assert_eq!(v.to_json(), r#"{"b":2,"a":[true,null,1.5],"s":"x"}"#);
    }

    #[test]
    fn escapes_quotes_controls_and_keeps_unicode() {
        let v = Value::String("a\"b\\c\nd\u{1}é😀".into());
        assert_eq!(v.to_json(), "\"a\\\"b\\\\c\\nd\\u0001é😀\"");
    }

    #[test]
    fn special_keys_are_plain_data() {
        let v = obj(&[("__proto__", Value::String("x".into()))]);
        assert_eq!(v.to_json(), r#"{"__proto__":"x"}"#);
    }

    #[test]
    fn non_finite_numbers_write_null_and_negative_integers_stay_integral() {
        assert_eq!(Value::Number(f64::NAN).to_json(), "null");
        assert_eq!(Value::Number(-3.0).to_json(), "-3");
        assert_eq!(Value::Number(1e300).to_json(), 1e300f64.to_string());
    }

    #[test]
    fn get_returns_the_last_duplicate_like_js() {
        let v = obj(&[("k", Value::Number(1.0)), ("k", Value::Number(2.0))]);
        assert_eq!(v.get("k"), Some(&Value::Number(2.0)));
        assert_eq!(Value::Null.get("k"), None);
    }
}
