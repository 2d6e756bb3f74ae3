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

    #[wasm_bindgen(js_name = listSnapshots)]
    pub fn list_snapshots(&self, query: JsValue, options: JsValue) -> Promise {
        self.run(snapshots::list(&query, &CallArgs::read(&options)))
    }

    /// `image`: the params came from an `Image`, whose `name` and resources
    /// the JS layer took out of the options (so a typo of one is named).
    #[wasm_bindgen(js_name = createSnapshot)]
    pub fn create_snapshot(&self, params: JsValue, options: JsValue, image: bool) -> Promise {
        self.run(snapshots::create(&params, &CallArgs::read(&options), image))
    }

    #[wasm_bindgen(js_name = getSnapshot)]
    pub fn get_snapshot(&self, id: JsValue, options: JsValue) -> Promise {
        self.run(snapshots::get_one(&id, &CallArgs::read(&options)))
    }

    #[wasm_bindgen(js_name = deleteSnapshot)]
    pub fn delete_snapshot(&self, id: JsValue, options: JsValue) -> Promise {
        self.run(snapshots::delete(&id, &CallArgs::read(&options)))
    }

    /// Resolves with a ready snapshot of exactly this spec, reused or built.
    #[wasm_bindgen(js_name = ensureSnapshot)]
    pub fn ensure_snapshot(&self, params: JsValue, options: JsValue, image: bool) -> Promise {
        self.run(crate::client::ensure::plan(&params, &CallArgs::read(&options), image).map(|e| Op::Ensure(Box::new(e))))
    }

    /// Resolves with the ready snapshot.
    #[wasm_bindgen(js_name = waitSnapshot)]
    pub fn wait_snapshot(&self, id: JsValue, options: JsValue) -> Promise {
        self.run(snapshots::wait(&id, &CallArgs::read(&options)))
    }

    #[wasm_bindgen(js_name = createVm)]
    pub fn create_vm(&self, body: JsValue, wait: JsValue) -> Promise {
        self.run(vms::create(&body, &CallArgs::read_wait(&wait)))
    }

    /// `all`: every record (`GET /v1/vms/`) rather than the running ones.
    #[wasm_bindgen(js_name = listVms)]
    pub fn list_vms(&self, all: bool, options: JsValue) -> Promise {
        self.run(vms::list(all, &CallArgs::read(&options)))
    }

    #[wasm_bindgen(js_name = getVm)]
    pub fn get_vm(&self, vm_id: JsValue, options: JsValue) -> Promise {
        self.run(vms::get_one(&vm_id, &CallArgs::read(&options)))
    }

    #[wasm_bindgen(js_name = updateVm)]
    pub fn update_vm(&self, vm_id: JsValue, patch: JsValue, options: JsValue) -> Promise {
        self.run(vms::update(&vm_id, &patch, &CallArgs::read(&options)))
    }

    #[wasm_bindgen(js_name = deleteVm)]
    pub fn delete_vm(&self, vm_id: JsValue, options: JsValue) -> Promise {
        self.run(vms::delete(&vm_id, &CallArgs::read(&options)))
    }

    #[wasm_bindgen(js_name = snapshotVm)]
    pub fn snapshot_vm(&self, vm_id: JsValue, body: JsValue, wait: JsValue) -> Promise {
        self.run(vms::snapshot(&vm_id, &body, &CallArgs::read_wait(&wait)))
    }

    #[wasm_bindgen(js_name = cloneVm)]
    pub fn clone_vm(&self, vm_id: JsValue, body: JsValue, wait: JsValue) -> Promise {
        self.run(vms::clone(&vm_id, &body, &CallArgs::read_wait(&wait)))
    }

    #[wasm_bindgen(js_name = suspendVm)]
    pub fn suspend_vm(&self, vm_id: JsValue, wait: JsValue) -> Promise {
        self.run(vms::suspend(&vm_id, &CallArgs::read_wait(&wait)))
    }

    #[wasm_bindgen(js_name = resumeVm)]
    pub fn resume_vm(&self, vm_id: JsValue, wait: JsValue) -> Promise {
        self.run(vms::resume(&vm_id, &CallArgs::read_wait(&wait)))
    }

    #[wasm_bindgen(js_name = stageEnv)]
    pub fn stage_env(&self, vm_id: JsValue, env: JsValue, options: JsValue) -> Promise {
        self.run(vms::stage_env(&vm_id, &env, &CallArgs::read(&options)))
    }

    #[wasm_bindgen(js_name = mountVolume)]
    pub fn mount_volume(&self, vm_id: JsValue, volume: JsValue, wait: JsValue) -> Promise {
        self.run(vms::mount_volume(&vm_id, &volume, &CallArgs::read_wait(&wait)))
    }

    #[wasm_bindgen(js_name = listVolumes)]
    pub fn list_volumes(&self, vm_id: JsValue, options: JsValue) -> Promise {
        self.run(vms::list_volumes(&vm_id, &CallArgs::read(&options)))
    }

    #[wasm_bindgen(js_name = unmountVolume)]
    pub fn unmount_volume(&self, vm_id: JsValue, volume_id: JsValue, options: JsValue) -> Promise {
        self.run(vms::unmount_volume(&vm_id, &volume_id, &CallArgs::read(&options)))
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
