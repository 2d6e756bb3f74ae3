//! A JSON-shaped value: what a call's parameters are read into, and what
//! request bodies are written from, both through serde.
//!
//! Reading is forgiving on purpose: whatever a caller passes (a function, a
//! symbol, a cyclic object) becomes a value that validation can name in its
//! message, never a deserialisation failure without a field. Objects keep
//! their keys in the caller's order, and `__proto__` is plain data.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A value read from JS. `Other` names what JSON cannot hold (a function, a
/// symbol, a nesting too deep) so that validation can say what it found.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    /// Own enumerable keys in insertion order.
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

/// Nesting deeper than this is refused (it also stops cycles).
pub const MAX_DEPTH: u32 = 32;

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

    /// Compact JSON. Non-finite numbers become `null`, as in JS; validation
    /// refuses them before a body is ever written.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "null".into())
    }

    /// Reads any self-describing input (a JS value through
    /// serde-wasm-bindgen, JSON text in tests) without ever failing.
    pub fn read<'de, D: Deserializer<'de>>(input: D) -> Value {
        Depth(0).deserialize(input).unwrap_or(Value::Other(NOT_JSON))
    }
}

/// What a value that serde could not read is called in messages.
const NOT_JSON: &str = "a value JSON cannot hold (a function, symbol or the like)";

/// Reads one value at a nesting depth. A value the input cannot describe
/// (serde-wasm-bindgen refuses functions and symbols) becomes
/// [`Value::Other`] in place, so its siblings are still read and the
/// check that meets it can name its field.
#[derive(Clone, Copy)]
struct Depth(u32);

impl<'de> DeserializeSeed<'de> for Depth {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, input: D) -> Result<Value, D::Error> {
        if self.0 >= MAX_DEPTH {
            return input.deserialize_ignored_any(de::IgnoredAny).map(|_| Value::Other("too deeply nested value"));
        }
        Ok(input.deserialize_any(self).unwrap_or(Value::Other(NOT_JSON)))
    }
}

impl<'de> Visitor<'de> for Depth {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-shaped value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, input: D) -> Result<Value, D::Error> {
        self.deserialize(input)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(n))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<Value, E> {
        Ok(Value::Other("binary data"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = items.next_element_seed(Depth(self.0 + 1))? {
            out.push(item);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Value, A::Error> {
        let mut out: Vec<(String, Value)> = Vec::new();
        while let Some(key) = members.next_key::<String>()? {
            let value = members.next_value_seed(Depth(self.0 + 1))?;
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => out.push((key, value)),
            }
        }
        Ok(Value::Object(out))
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null | Value::Other(_) => out.serialize_unit(),
            Value::Bool(b) => out.serialize_bool(*b),
            // Whole numbers print without a fraction, as JS prints them.
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 => out.serialize_i64(*n as i64),
            Value::Number(n) if n.is_finite() => out.serialize_f64(*n),
            Value::Number(_) => out.serialize_unit(),
            Value::String(s) => out.serialize_str(s),
            Value::Array(items) => {
                let mut seq = out.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(members) => {
                let mut map = out.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(members: &[(&str, Value)]) -> Value {
        Value::Object(members.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn parse(json: &str) -> Value {
        Value::read(&mut serde_json::Deserializer::from_str(json))
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
        assert_eq!(parse(r#"{"__proto__":"x"}"#), v);
    }

    #[test]
    fn non_finite_numbers_write_null_and_negative_integers_stay_integral() {
        assert_eq!(Value::Number(f64::NAN).to_json(), "null");
        assert_eq!(Value::Number(-3.0).to_json(), "-3");
        assert_eq!(Value::Number(1e300).to_json(), "1e+300");
    }

    #[test]
    fn reads_keep_order_and_the_last_duplicate_like_js() {
        let v = parse(r#"{"k":1,"a":[true,null,"s"],"k":2}"#);
        assert_eq!(v, obj(&[("k", Value::Number(2.0)), ("a", Value::Array(vec![Value::Bool(true), Value::Null, Value::String("s".into())]))]));
        assert_eq!(v.get("k"), Some(&Value::Number(2.0)));
        assert_eq!(Value::Null.get("k"), None);
    }

    #[test]
    fn input_serde_cannot_read_is_a_value_for_validation_to_name() {
        assert_eq!(parse("{"), Value::Other(NOT_JSON));
        assert_eq!(parse("{").type_name(), NOT_JSON);
    }

    #[test]
    fn objects_and_arrays_serialise_through_serde_json_unchanged() {
        let v = parse(r#"{"a":{"b":[1,2.5,"x",null,false]},"c":-0.125}"#);
        assert_eq!(v.to_json(), r#"{"a":{"b":[1,2.5,"x",null,false]},"c":-0.125}"#);
    }

    #[test]
    fn deep_nesting_is_cut_off_in_place() {
        let json = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        let mut v = &parse(&json);
        let mut depth = 0;
        while let Value::Array(items) = v {
            v = &items[0];
            depth += 1;
        }
        assert_eq!(depth, MAX_DEPTH);
        assert_eq!(v, &Value::Other("too deeply nested value"));
    }
}
