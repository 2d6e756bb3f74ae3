//! Checking the shape of what came back and filling alias fields.


use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};

use super::transport::Reply;
use crate::core::error::ClientError;
use crate::core::record::{fill, Fill};
use crate::core::ErrorKind;
use crate::platform::convert::{is_present, js_str};
use js_sys::Reflect;
use crate::platform::errors::Failure;

/// The alias keys as cached JS strings (a list of 10 000 records would
/// otherwise decode 40 000 keys).
fn keys(aliases: &[(&'static str, &'static str)]) -> Vec<(JsValue, JsValue)> {
    aliases.iter().map(|(a, b)| (js_str(a), js_str(b))).collect()
}

/// Gives a record both sides of each alias pair, in place. Every other field
/// passes through untouched.
fn normalise(record: &JsValue, keys: &[(JsValue, JsValue)]) {
    for (a, b) in keys {
        let va = Reflect::get(record, a).unwrap_or(JsValue::UNDEFINED);
        let vb = Reflect::get(record, b).unwrap_or(JsValue::UNDEFINED);
        let _ = match fill(is_present(&va), is_present(&vb)) {
            Fill::FirstFromSecond => Reflect::set(record, a, &vb),
            Fill::SecondFromFirst => Reflect::set(record, b, &va),
            Fill::Nothing => Ok(true),
        };
    }
}

fn shape_error(reply: Reply, expected: &str) -> Failure {
    let e = ClientError::new(ErrorKind::Api, format!("The server's answer was not {expected}"));
    Failure::described(e, reply.request_id(), reply.body)
}

/// One record (a JSON object), normalised.
pub fn one(reply: Reply, aliases: &[(&'static str, &'static str)]) -> Result<JsValue, Failure> {
    if !reply.body.is_object() || Array::is_array(&reply.body) {
        return Err(shape_error(reply, "a JSON object"));
    }
    normalise(&reply.body, &keys(aliases));
    Ok(reply.body)
}

/// A bare JSON array of records, each normalised.
pub fn many(reply: Reply, aliases: &[(&'static str, &'static str)]) -> Result<JsValue, Failure> {
    let Some(items) = reply.body.dyn_ref::<Array>() else {
        return Err(shape_error(reply, "a JSON array"));
    };
    let keys = keys(aliases);
    for item in items.iter() {
        if item.is_object() {
            normalise(&item, &keys);
        }
    }
    Ok(reply.body)
}

/// The answer of a call that returns no record (delete, update, mounts):
/// the server's JSON object when it sent one, `{ success: true }` for an
/// empty body (as the official SDK does).
pub fn acknowledged(reply: Reply) -> JsValue {
    if reply.body.is_object() {
        reply.body
    } else {
        success()
    }
}

/// `{ success: true }`.
pub fn success() -> JsValue {
    crate::platform::convert::object(&[("success", JsValue::TRUE)])
}
