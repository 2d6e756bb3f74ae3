//! Request checks, answered FastAPI-style: one `{loc, msg, type}` item per
//! problem, every problem at once. One file per resource; what they share
//! (reading the body, collecting problems) is here.

pub mod snapshots;
pub mod vms;

use serde_json::{json, Map, Value};

use crate::wire::{ApiError, Request};

/// Collects 422 items while a body is checked.
#[derive(Default)]
pub struct Problems(pub Vec<Value>);

impl Problems {
    /// A problem with a body field.
    pub fn add(&mut self, loc: &[&str], msg: impl Into<String>, kind: &str) {
        self.at("body", loc, msg, kind);
    }

    /// The body's fields; anything but a JSON object is a problem (and an
    /// empty object is checked in its place, so its own problems are found).
    pub fn object(&mut self, body: &Value) -> Map<String, Value> {
        match body.as_object() {
            Some(fields) => fields.clone(),
            None => {
                self.0.push(not_an_object());
                Map::new()
            }
        }
    }

    /// A problem with a query parameter.
    pub fn query(&mut self, name: &str, msg: impl Into<String>, kind: &str) {
        self.at("query", &[name], msg, kind);
    }

    fn at(&mut self, place: &str, loc: &[&str], msg: impl Into<String>, kind: &str) {
        let mut path = vec![Value::from(place)];
        path.extend(loc.iter().map(|s| Value::from(*s)));
        self.0.push(json!({ "loc": path, "msg": msg.into(), "type": kind }));
    }

    /// The request's `wait` query parameter: absent is false; otherwise a
    /// boolean as the API's validation reads one (`true`/`false`, `1`/`0`,
    /// `yes`/`no`, `on`/`off`), anything else a problem.
    pub fn wait(&mut self, request: &Request) -> bool {
        let Some(v) = request.query_param("wait") else { return false };
        match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => true,
            "false" | "0" | "no" | "off" | "f" | "n" => false,
            _ => {
                self.query("wait", "Input should be a valid boolean", "bool_parsing");
                false
            }
        }
    }

    pub fn int_in(&mut self, body: &Map<String, Value>, loc: &[&str], min: i64, max: i64) -> Option<i64> {
        let v = body.get(*loc.last()?)?;
        if v.is_null() {
            return None;
        }
        match integer(v) {
            Some(n) if n >= min && n <= max => Some(n),
            Some(_) => {
                self.add(loc, format!("Input should be between {min} and {max}"), "value_error");
                None
            }
            None => {
                self.add(loc, "Input should be a valid integer", "int_type");
                None
            }
        }
    }

    /// A field that must be a boolean when present (null only where `nullable`).
    pub fn boolean(&mut self, body: &Map<String, Value>, loc: &[&str], nullable: bool) {
        match body.get(*loc.last().unwrap_or(&"")) {
            None | Some(Value::Bool(_)) => {}
            Some(Value::Null) if nullable => {}
            Some(_) => self.add(loc, "Input should be a valid boolean", "bool_type"),
        }
    }

    /// A field that must be an array of strings when present.
    pub fn strings(&mut self, body: &Map<String, Value>, loc: &[&str]) {
        match body.get(*loc.last().unwrap_or(&"")) {
            None => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if !item.is_string() {
                        let at = i.to_string();
                        let path: Vec<&str> = loc.iter().copied().chain([at.as_str()]).collect();
                        self.add(&path, "Input should be a valid string", "string_type");
                    }
                }
            }
            Some(_) => self.add(loc, "Input should be a valid list", "list_type"),
        }
    }

    /// Fields that may be left out but not sent as null.
    pub fn not_null(&mut self, body: &Map<String, Value>, fields: &[&str]) {
        for field in fields {
            if body.get(*field).is_some_and(Value::is_null) {
                self.add(&[field], "Input should not be null", "none_forbidden");
            }
        }
    }

    pub fn string(&mut self, body: &Map<String, Value>, loc: &[&str]) -> Option<String> {
        match body.get(*loc.last()?)? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => {
                self.add(loc, "Input should be a valid string", "string_type");
                None
            }
        }
    }

    /// A 422 carrying every problem found, or nothing when there is none.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::unprocessable(self.0))
        }
    }
}

/// A JSON number as an integer, as the API's validation reads one: `6.0`
/// counts as 6, and a whole number past `i64` saturates (it is out of every
/// bound, and capped where the API caps).
fn integer(v: &Value) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let f = v.as_f64()?;
    if f.fract() != 0.0 || !f.is_finite() {
        return None;
    }
    // `as` saturates at the ends of i64, which is the point here.
    Some(f as i64)
}

/// A body as JSON; one that does not parse is a 422 quoting the parser.
pub fn json_body(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::unprocessable(vec![json!({ "loc": ["body"], "msg": format!("JSON decode error: {e}"), "type": "json_invalid" })])
    })
}

/// The same, but an empty or blank body reads as `{}`: the VM routes take
/// calls that send none.
pub fn json_body_or_empty(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    json_body(bytes)
}

/// The body's fields: anything but a JSON object is a 422.
pub fn object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| ApiError::unprocessable(vec![not_an_object()]))
}

fn not_an_object() -> Value {
    json!({ "loc": ["body"], "msg": "Input should be a valid JSON object", "type": "model_type" })
}
