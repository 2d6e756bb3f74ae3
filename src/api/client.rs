//! `Client`: holds the checked configuration; each method turns one JS call
//! into a Promise over the `client` layer. Failures become JS errors here,
//! and only here, so the key can be scrubbed in one place.


use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::client::args::CallArgs;
use crate::client::ops::{begin, execute, Op};
use crate::client::transport::Transport;
use crate::client::{snapshots, vms};
use crate::core::error::ClientError;
use crate::core::options::parse_config;
use crate::platform::convert::{from_js, get, is_present};
use crate::platform::errors::{self, Failure};

#[wasm_bindgen]
pub struct Client {
    transport: Rc<Transport>,
}

#[wasm_bindgen]
impl Client {
    /// `new Client(options)`: the key alone, or `{ apiKey, baseUrl, timeoutMs,
    /// maxRetries, fetch, headers }`. Throws a `ValidationError` naming the
    /// field when an option is wrong.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Client, JsValue> {
        let fetch = match get(&options, "fetch") {
            f if !is_present(&f) => None,
            f if f.is_function() => Some(f.unchecked_into::<Function>()),
            _ => return Err(Failure::from(ClientError::invalid("fetch", "must be a function like the global fetch")).into_js("")),
        };
        let config = parse_config(&read_options(&options)).map_err(|e| Failure::from(e).into_js(""))?;
        let transport = Transport::new(config, fetch).map_err(|e| Failure::Raw(e).into_js(""))?;
        Ok(Client { transport: Rc::new(transport) })
    }

    /// Starts one operation of the API, named as the JS layer names its
    /// methods (`snapshots.get`, `vms.listAll`; the table is js/operations.js)
    /// with up to three arguments, each `null` when left out. One export for
    /// every operation: each export is a wasm-bindgen wrapper of its own, with
    /// the argument reading inlined into it, and a JS function in the glue.
    pub fn call(&self, operation: &str, a: JsValue, b: JsValue, c: JsValue) -> Promise {
        self.run(plan(operation, &a, &b, &c))
    }
}

/// The operation `name` planned from its arguments. The last argument of the
/// methods that take `wait` is the positional boolean or options with `wait`;
/// `c` of `snapshots.create` and `ensure` says whether `a` came from an `Image`.
fn plan(name: &str, a: &JsValue, b: &JsValue, c: &JsValue) -> Result<Op, Failure> {
    let options = CallArgs::read;
    let wait = CallArgs::read_wait;
    match name {
        "snapshots.list" => snapshots::list(a, &options(b)),
        "snapshots.create" => snapshots::create(a, &options(b), c.is_truthy()),
        "snapshots.get" => snapshots::get_one(a, &options(b)),
        "snapshots.delete" => snapshots::delete(a, &options(b)),
        "snapshots.ensure" => crate::client::ensure::plan(a, &options(b), c.is_truthy()).map(|e| Op::Ensure(Box::new(e))),
        "snapshots.waitUntilReady" => snapshots::wait(a, &options(b)),
        "vms.create" => vms::create(a, &wait(b)),
        "vms.list" => vms::list(false, &options(a)),
        "vms.listAll" => vms::list(true, &options(a)),
        "vms.get" => vms::get_one(a, &options(b)),
        "vms.update" => vms::update(a, b, &options(c)),
        "vms.delete" => vms::delete(a, &options(b)),
        "vms.snapshot" => vms::snapshot(a, b, &wait(c)),
        "vms.clone" => vms::clone(a, b, &wait(c)),
        "vms.suspend" => vms::suspend(a, &wait(b)),
        "vms.resume" => vms::resume(a, &wait(b)),
        "vms.stageEnv" => vms::stage_env(a, b, &options(c)),
        "vms.mountVolume" => vms::mount_volume(a, b, &wait(c)),
        "vms.listVolumes" => vms::list_volumes(a, &options(b)),
        "vms.unmountVolume" => vms::unmount_volume(a, b, &options(c)),
        // Only the package's own JS calls this export.
        other => Err(ClientError::invalid("operation", format!("{other} is not an operation of this client")).into()),
    }
}

impl Client {
    /// Runs a planned operation. One future type serves every method. The
    /// first request is handed to `fetch` here, before the Promise exists;
    /// wasm-bindgen-futures runs the rest.
    fn run(&self, op: Result<Op, Failure>) -> Promise {
        let transport = self.transport.clone();
        let started = op.map(|op| {
            let begun = begin(&transport, &op);
            (op, begun)
        });
        future_to_promise(async move {
            let result = match started {
                Ok((op, begun)) => execute(&transport, op, begun).await,
                Err(f) => Err(f),
            };
            result.map_err(|f| f.into_js(&transport.config.api_key))
        })
    }
}

/// The options as data, every own key (so that a mistyped one is refused by
/// name), without walking into `fetch` (a function, the platform's to read).
fn read_options(options: &JsValue) -> crate::core::Value {
    crate::client::args::members_of(options, |key, v| if key == "fetch" { crate::core::Value::Other("function") } else { from_js(v) })
}

/// Installs the function that builds the package's `Error` subclasses.
#[wasm_bindgen(js_name = setErrorFactory)]
pub fn set_error_factory(factory: Function) {
    errors::set_factory(factory);
}
