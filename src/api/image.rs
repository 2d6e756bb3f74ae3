//! `Image`: a declarative, immutable build spec. Every method checks its
//! input at once (a `ValidationError` naming the `snapshots.create` field)
//! and returns a new `Image`. The spec and its fingerprint are the core's
//! (`core::image`); this class only carries one across the boundary.

use wasm_bindgen::prelude::*;

use crate::client::args::shallow;
use crate::core::error::ClientError;
use crate::core::image::{ImageSpec, Manager, Resources};
use crate::core::validate::{present, text};
use crate::core::Value;
use crate::platform::convert::{from_js, to_js};
use crate::platform::errors::Failure;

#[wasm_bindgen]
pub struct Image {
    spec: ImageSpec,
}

fn thrown(e: ClientError) -> JsValue {
    Failure::from(e).into_js("")
}

fn next(spec: Result<ImageSpec, ClientError>) -> Result<Image, JsValue> {
    spec.map(|spec| Image { spec }).map_err(thrown)
}

/// The names of a variadic call, handed over as one array by `js/image.js`.
fn names(list: &JsValue) -> Vec<Value> {
    match from_js(list) {
        Value::Array(items) => items,
        other => vec![other],
    }
}

#[wasm_bindgen]
impl Image {
    /// `Image.from('docker.io/library/python:3.11-slim')`.
    #[wasm_bindgen(js_name = from)]
    pub fn from_oci_image(oci_image: JsValue) -> Result<Image, JsValue> {
        next(ImageSpec::from_image(&from_js(&oci_image)))
    }

    /// Every builder step but `from`, by name: `aptInstall`, `pipInstall`,
    /// `npmInstall` (the names as one array), `gitClone` (url, `{ branch }`),
    /// `env`, `run`, `disk`. One export serves them all, where one each
    /// carried a wrapper of its own (measured: CONTRIBUTING's "Decisions");
    /// `js/image.js` gives each its method.
    pub fn step(&self, method: &str, a: JsValue, b: JsValue) -> Result<Image, JsValue> {
        let spec = &self.spec;
        next(match method {
            "aptInstall" => spec.install(Manager::Apt, &names(&a)),
            "pipInstall" => spec.install(Manager::Pip, &names(&a)),
            "npmInstall" => spec.install(Manager::Npm, &names(&a)),
            "gitClone" => {
                let opts = shallow(&b);
                if !matches!(opts, Value::Null | Value::Object(_)) {
                    let got = opts.type_name();
                    return Err(thrown(ClientError::invalid("options", format!("must be an object like {{ branch: 'main' }}, got {got}"))));
                }
                crate::core::keys::only_known("", &opts, &["branch"]).map_err(thrown)?;
                let branch = opts.get("branch").cloned().unwrap_or(Value::Null);
                spec.git_clone(&from_js(&a), Some(&branch))
            }
            "env" => spec.env(&from_js(&a)),
            "run" => spec.run(&from_js(&a)),
            "disk" => spec.disk(&from_js(&a)),
            other => Err(ClientError::invalid("method", format!("Image has no step {other}"))),
        })
    }

    /// The plain `snapshots.create` parameters: `{ name, vcpu_count,
    /// memory_mb, type }` from `options`, the rest from the spec.
    #[wasm_bindgen(js_name = toParams)]
    pub fn to_params(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let opts = shallow(&options);
        let resources = Resources::from_options(&opts, &["name"]).map_err(thrown)?;
        let name = present(opts.get("name")).map(|n| text("name", n, 1024)).transpose().map_err(thrown)?;
        to_js(&self.spec.to_params(name.as_deref(), &resources))
    }

    /// Lowercase hex SHA-256 of the spec's canonical form, with `{ vcpu_count,
    /// memory_mb, type }` from `options` (what `ensure` names snapshots by).
    pub fn fingerprint(&self, options: JsValue) -> Result<String, JsValue> {
        let resources = Resources::from_options(&shallow(&options), &[]).map_err(thrown)?;
        Ok(self.spec.fingerprint(&resources))
    }
}
