//! Checking the shape of what came back and filling alias fields.

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};

use super::transport::Reply;
use crate::core::error::ClientError;
use crate::core::record::{fill, Fill};
use crate::core::ErrorKind;
use crate::platform::convert::{get, is_present, set};
use crate::platform::errors::Failure;

/// Gives a record both sides of each alias pair, in place. Every other field
/// passes through untouched.
pub fn normalise(record: &JsValue, aliases: &[(&str, &str)]) {
    for (a, b) in aliases {
        let (va, vb) = (get(record, a), get(record, b));
        match fill(is_present(&va), is_present(&vb)) {
            Fill::FirstFromSecond => set(record, a, &vb),
            Fill::SecondFromFirst => set(record, b, &va),
            Fill::Nothing => {}
        }
    }
}

fn shape_error(reply: Reply, expected: &str) -> Failure {
    let e = ClientError::new(ErrorKind::Api, format!("The server's answer was not {expected}"));
    Failure::described(e, reply.request_id(), reply.body)
}

/// One record (a JSON object), normalised.
pub fn one(reply: Reply, aliases: &[(&str, &str)]) -> Result<JsValue, Failure> {
    if !reply.body.is_object() || Array::is_array(&reply.body) {
        return Err(shape_error(reply, "a JSON object"));
    }
    normalise(&reply.body, aliases);
    Ok(reply.body)
}

/// A bare JSON array of records, each normalised.
pub fn many(reply: Reply, aliases: &[(&str, &str)]) -> Result<JsValue, Failure> {
    let Some(items) = reply.body.dyn_ref::<Array>() else {
        return Err(shape_error(reply, "a JSON array"));
    };
    for item in items.iter() {
        if item.is_object() {
            normalise(&item, aliases);
        }
    }
    Ok(reply.body)
}

/// The answer of a DELETE: the server's JSON object when it sent one,
/// `{ success: true }` for an empty body (as the official SDK does).
pub fn deleted(reply: Reply) -> JsValue {
    if reply.body.is_object() {
        reply.body
    } else {
        crate::platform::convert::object(&[("success", JsValue::TRUE)])
    }
}
