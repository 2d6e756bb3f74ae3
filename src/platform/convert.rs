//! Reading JS values into the core's [`Value`], and JS objects field by field.

use crate::prelude::*;

use super::global::Global;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::Value;

/// Nesting deeper than this is refused (it also stops cycles).
const MAX_DEPTH: u32 = 32;

/// Reads a JS value as JSON-shaped data: own enumerable string keys only, so
/// `__proto__` or `constructor` keys are plain data, and getters or
/// prototypes never leak in. `undefined` members are skipped.
pub fn from_js(v: &JsValue) -> Value {
    read(v, 0)
}

fn read(v: &JsValue, depth: u32) -> Value {
    if !is_present(v) {
        return Value::Null;
    }
    if let Some(b) = v.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = v.as_f64() {
        return Value::Number(n);
    }
    if let Some(s) = v.as_string() {
        return Value::String(s);
    }
    if v.is_function() {
        return Value::Other("function");
    }
    if v.is_symbol() {
        return Value::Other("symbol");
    }
    if v.is_bigint() {
        return Value::Other("bigint");
    }
    if depth >= MAX_DEPTH {
        return Value::Other("too deeply nested value");
    }
    if Array::is_array(v) {
        let arr: &Array = v.unchecked_ref();
        return Value::Array(arr.iter().map(|item| read(&item, depth + 1)).collect());
    }
    let Some(obj) = v.dyn_ref::<Object>() else { return Value::Other("unknown value") };
    let mut members = Vec::new();
    for key in Object::keys(obj).iter() {
        let Some(name) = key.as_string() else { continue };
        // A throwing getter reads as absent rather than breaking the call.
        let item = Reflect::get(obj, &key).unwrap_or(JsValue::UNDEFINED);
        if !item.is_undefined() {
            members.push((name, read(&item, depth + 1)));
        }
    }
    Value::Object(members)
}

/// Serialises a core value with the engine's `JSON.stringify`, which prints
/// numbers exactly as JS does (and spares the wasm a float formatter).
pub fn to_json_string(v: &Value) -> JsValue {
    js_sys::JSON::stringify(&to_js(v)).map(JsValue::from).unwrap_or(JsValue::NULL)
}

fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Null | Value::Other(_) => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(*n),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => items.iter().map(to_js).collect::<Array>().into(),
        Value::Object(members) => {
            let obj: JsValue = Object::new().into();
            for (k, item) in members {
                // defineProperty, not set: a `__proto__` key stays plain data.
                let desc = object(&[("value", to_js(item)), ("enumerable", JsValue::TRUE), ("writable", JsValue::TRUE), ("configurable", JsValue::TRUE)]);
                let _ = Reflect::define_property(obj.unchecked_ref::<Object>(), &JsValue::from_str(k), desc.unchecked_ref());
            }
            obj
        }
    }
}

/// JS strings for the constant keys of the hot path, made once: passing a
/// Rust string to JS decodes it every time.
static KEYS: Global<Vec<(&'static str, JsValue)>> = Global::new(Vec::new());

/// A constant key (or value) as a cached JS string.
pub fn js_str(name: &'static str) -> JsValue {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some((_, v)) = keys.iter().find(|(k, _)| core::ptr::eq(*k, name)) {
            return v.clone();
        }
        let v = JsValue::from_str(name);
        keys.push((name, v.clone()));
        v
    })
}

/// `obj[key] = value` for a constant key.
pub fn set_const(obj: &JsValue, key: &'static str, value: &JsValue) {
    let _ = Reflect::set(obj, &js_str(key), value);
}

/// `obj[key]` for a constant key.
pub fn get_const(obj: &JsValue, key: &'static str) -> JsValue {
    Reflect::get(obj, &js_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key]`, or `undefined` when `obj` is not an object or the getter throws.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key] = value`; ignored for frozen objects.
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// A present value: neither `undefined` nor `null`.
pub fn is_present(v: &JsValue) -> bool {
    !v.is_null_or_undefined()
}

/// A fresh plain object from `(key, value)` pairs.
pub fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let obj: JsValue = Object::new().into();
    for (k, v) in entries {
        set(&obj, k, v);
    }
    obj
}
