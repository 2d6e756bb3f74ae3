//! JS values in and out: call parameters read into the core's [`Value`]
//! through serde-wasm-bindgen, bodies written as JSON text through serde,
//! and JS objects field by field.

use std::cell::RefCell;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::Value;

/// Reads a JS value as JSON-shaped data: own enumerable string keys
/// (`Object.entries`), so `__proto__` or `constructor` keys are plain data
/// and prototypes never leak in. What JSON cannot hold (a function, a
/// symbol, a nesting deeper than 32, which also stops cycles) is read as
/// [`Value::Other`], for validation to name.
pub fn from_js(v: &JsValue) -> Value {
    Value::read(serde_wasm_bindgen::Deserializer::from(v.clone()))
}

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on a JS string as it is. js-sys declares it for `&str`
    /// only, which would copy every response body into wasm memory and out
    /// again; a list of 10 000 records is parsed by the engine alone.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// A request body: the value's JSON text, as a JS string.
pub fn to_json_string(v: &Value) -> JsValue {
    JsValue::from_str(&v.to_json())
}

thread_local! {
    /// JS strings for the constant keys of the hot path, made once: passing a
    /// Rust string to JS decodes it every time.
    static KEYS: RefCell<Vec<(&'static str, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// A constant key (or value) as a cached JS string.
pub fn js_str(name: &'static str) -> JsValue {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some((_, v)) = keys.iter().find(|(k, _)| std::ptr::eq(*k, name)) {
            return v.clone();
        }
        let v = JsValue::from_str(name);
        keys.push((name, v.clone()));
        v
    })
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

/// A fresh JS value holding `v` (by way of its JSON text).
pub fn to_js(v: &Value) -> Result<JsValue, JsValue> {
    json_parse(&to_json_string(v))
}
