//! Builders for the core's tests: JSON-shaped values written briefly.


use super::value::Value;

pub fn obj(members: Vec<(&str, Value)>) -> Value {
    Value::Object(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

pub fn s(x: &str) -> Value {
    Value::String(x.into())
}

pub fn n(x: f64) -> Value {
    Value::Number(x)
}
