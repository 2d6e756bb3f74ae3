//! `Client`: holds the checked configuration; its one `call` turns a JS call
//! of any operation into a Promise over the `client` layer. Failures become
//! JS errors here, and only here, so the key can be scrubbed in one place.


use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::client::args::{function_or_none, CallArgs};
use crate::client::ops::{begin, execute, Op};
use crate::client::transport::Transport;
use crate::client::{ensure, snapshots, vms};
use crate::core::error::ClientError;
use crate::core::options::parse_config;
use crate::platform::convert::{from_js, get};
use crate::platform::errors::{self, Failure};

#[wasm_bindgen]
pub struct Client {
    transport: Rc<Transport>,
}

#[wasm_bindgen]
impl Client {
    /// `new Client(options)`: the key alone, or `{ apiKey, baseUrl, timeoutMs,
    /// maxRetries, fetch, headers, onRetry }`. Throws a `ValidationError` naming the
    /// field when an option is wrong.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Client, JsValue> {
        let fetch = function_or_none(&get(&options, "fetch"), "fetch", "must be a function like the global fetch").map_err(|f| f.into_js(""))?;
        let on_retry = function_or_none(&get(&options, "onRetry"), "onRetry", "must be a function called with { attempt, error, delayMs, method, path } before each retry").map_err(|f| f.into_js(""))?;
        let config = parse_config(&read_options(&options)).map_err(|e| Failure::from(e).into_js(""))?;
        let mut transport = Transport::new(config, fetch).map_err(|e| Failure::Raw(e).into_js(""))?;
        transport.on_retry = on_retry;
        Ok(Client { transport: Rc::new(transport) })
    }

    /// Starts one operation of the API, named as the JS layer names its
    /// methods (`snapshots.get`, `vms.listAll`: the names of js/operations.js,
    /// and of its composites `ensure` and `waitUntilReady`) with up to three
    /// arguments, each `null` when left out. One export for every operation:
    /// each export is a wasm-bindgen wrapper of its own, with the argument
    /// reading inlined into it, and a JS function in the glue.
    pub fn call(&self, operation: &str, a: JsValue, b: JsValue, c: JsValue) -> Promise {
        self.run(plan(operation, &a, &b, &c))
    }
}

/// Plans one operation from the JS call's arguments.
type Planner = fn(&JsValue, &JsValue, &JsValue) -> Result<Op, Failure>;

/// Every operation `call` knows, by name. The last argument of the methods
/// that take `wait` is the positional boolean or options with `wait`; the
/// third of `snapshots.create` and `ensure` says whether the first came from
/// an `Image`. A table of functions rather than one `match`: each planner
/// stays a function of its own, and a runtime that compiles wasm lazily
/// (V8) compiles only those a program calls. One `match` inlined all of them
/// into the export, which then cost the first call about 2 ms to compile.
const OPERATIONS: [(&str, Planner); 20] = [
    ("snapshots.list", |a, b, _| snapshots::list(a, &CallArgs::read(b))),
    ("snapshots.create", |a, b, c| snapshots::create(a, &CallArgs::read(b), c.is_truthy())),
    ("snapshots.get", |a, b, _| snapshots::get_one(a, &CallArgs::read(b))),
    ("snapshots.delete", |a, b, _| snapshots::delete(a, &CallArgs::read(b))),
    ("snapshots.ensure", |a, b, c| ensure::plan(a, &CallArgs::read(b), c.is_truthy()).map(|e| Op::Ensure(Box::new(e)))),
    ("snapshots.waitUntilReady", |a, b, _| snapshots::wait(a, &CallArgs::read(b))),
    ("vms.create", |a, b, _| vms::create(a, &CallArgs::read_wait(b))),
    ("vms.list", |a, _, _| vms::list(false, &CallArgs::read(a))),
    ("vms.listAll", |a, _, _| vms::list(true, &CallArgs::read(a))),
    ("vms.get", |a, b, _| vms::get_one(a, &CallArgs::read(b))),
    ("vms.update", |a, b, c| vms::update(a, b, &CallArgs::read(c))),
    ("vms.delete", |a, b, _| vms::delete(a, &CallArgs::read(b))),
    ("vms.snapshot", |a, b, c| vms::snapshot(a, b, &CallArgs::read_wait(c))),
    ("vms.clone", |a, b, c| vms::clone(a, b, &CallArgs::read_wait(c))),
    ("vms.suspend", |a, b, _| vms::suspend(a, &CallArgs::read_wait(b))),
    ("vms.resume", |a, b, _| vms::resume(a, &CallArgs::read_wait(b))),
    ("vms.stageEnv", |a, b, c| vms::stage_env(a, b, &CallArgs::read(c))),
    ("vms.mountVolume", |a, b, c| vms::mount_volume(a, b, &CallArgs::read_wait(c))),
    ("vms.listVolumes", |a, b, _| vms::list_volumes(a, &CallArgs::read(b))),
    ("vms.unmountVolume", |a, b, c| vms::unmount_volume(a, b, &CallArgs::read(c))),
];

/// The operation `name` planned from its arguments.
fn plan(name: &str, a: &JsValue, b: &JsValue, c: &JsValue) -> Result<Op, Failure> {
    match OPERATIONS.iter().find(|(n, _)| *n == name) {
        Some((_, planner)) => planner(a, b, c),
        // Only the package's own JS calls this export.
        None => Err(ClientError::invalid("operation", format!("{name} is not an operation of this client")).into()),
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
/// name), without walking into `fetch` or `onRetry` (functions, the platform's to read).
fn read_options(options: &JsValue) -> crate::core::Value {
    crate::client::args::members_of(options, |key, v| if key == "fetch" || key == "onRetry" { crate::core::Value::Other("function") } else { from_js(v) })
}

/// Installs the function that builds the package's `Error` subclasses.
#[wasm_bindgen(js_name = setErrorFactory)]
pub fn set_error_factory(factory: Function) {
    errors::set_factory(factory);
}
