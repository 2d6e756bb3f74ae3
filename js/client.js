// The public surface: `new InstaVM(options)` with `client.snapshots`. Each
// method forwards to the wasm `Client`; what lives here is only what
// wasm-bindgen cannot express well: async iteration, lazy loading, `wait`.

import * as wasm from './instavm_wasm.js';
import { makeError, SnapshotBuildFailedError } from './errors.js';

let loaded = false;
let loading = null;
let loader = null;

/** Entry points say how the wasm is loaded in their runtime. */
export function _setLoader(load) {
  loader = load;
}

/** Marks the wasm as instantiated (synchronous loaders). */
export function _markLoaded() {
  loaded = true;
  wasm.setErrorFactory(makeError);
}

/**
 * Loads the wasm now. Optional: every call loads it on first use. Pages may
 * call it early so the first request does not wait for the download.
 */
export function init(input) {
  if (loaded) return Promise.resolve();
  loading ??= Promise.resolve(loader(input)).then(_markLoaded, (e) => {
    loading = null;
    throw e;
  });
  return loading;
}

export class InstaVM {
  #core;
  #options;

  /**
   * @param options The API key, or `{ apiKey, baseUrl, timeoutMs, maxRetries, fetch, headers }`.
   * Options are checked at once where the wasm is already loaded (always in
   * Node, Deno, Bun and Workers); in a page before `init()`, on the first call.
   */
  constructor(options) {
    if (loaded) this.#core = new wasm.Client(options);
    else this.#options = options;
    const client = () => this.#client();
    this.snapshots = new Snapshots(client);
    this.vms = new Vms(client);
  }

  async #client() {
    if (!this.#core) {
      await init();
      this.#core ??= new wasm.Client(this.#options);
      this.#options = undefined;
    }
    return this.#core;
  }
}

class Snapshots {
  #client;

  constructor(client) {
    this.#client = client;
  }

  /** `GET /v1/snapshots`: every snapshot of this key, optionally by `type`. */
  async list(query, options) {
    return (await this.#client()).listSnapshots(query ?? null, options ?? null);
  }

  /**
   * `POST /v1/snapshots`: starts a build. With `{ wait: true }` resolves once
   * it is ready (the other options are those of `waitUntilReady`).
   */
  async create(params, options) {
    const core = await this.#client();
    if (!options?.wait) return core.createSnapshot(params, options ?? null);
    // The wait's timeoutMs is the whole wait's deadline, not this request's.
    const created = await core.createSnapshot(params, { signal: options.signal });
    // The answer of create is the first observation: onStatus sees it, and
    // the first poll comes one interval later.
    return core.waitSnapshot(created.id, options, created);
  }

  async get(id, options) {
    return (await this.#client()).getSnapshot(id, options ?? null);
  }

  async delete(id, options) {
    return (await this.#client()).deleteSnapshot(id, options ?? null);
  }

  /**
   * Polls until the build is `ready` (resolves with the record), `failed`
   * (rejects with SnapshotBuildFailedError), the deadline (TimeoutError) or the
   * signal's abort (rejects with its reason).
   */
  async waitUntilReady(id, options) {
    return (await this.#client()).waitSnapshot(id, options ?? null, undefined);
  }

  /**
   * Yields the snapshot at each status change, ending after `ready` or a
   * failure status (both are yielded). Breaking out of the loop stops polling.
   */
  async *watch(id, options = {}) {
    const core = await this.#client();
    const queue = [];
    let wake = null;
    let settled = false;
    let error = null;
    const stop = new AbortController();
    const outer = options?.signal;
    const forward = () => stop.abort(outer.reason);
    if (outer?.aborted) forward();
    else outer?.addEventListener?.('abort', forward, { once: true });
    const notify = () => {
      wake?.();
      wake = null;
    };
    core
      .waitSnapshot(id, {
        ...options,
        signal: stop.signal,
        onStatus: (s) => {
          queue.push(s);
          notify();
          options?.onStatus?.(s);
        },
      }, undefined)
      .catch((e) => {
        if (!(e instanceof SnapshotBuildFailedError)) error = e;
      })
      .finally(() => {
        settled = true;
        notify();
      });
    try {
      for (;;) {
        if (queue.length) yield queue.shift();
        else if (settled) {
          if (error) throw error;
          return;
        } else await new Promise((resolve) => (wake = resolve));
      }
    } finally {
      outer?.removeEventListener?.('abort', forward);
      if (!settled) stop.abort(new DOMException('watch() ended by its consumer', 'AbortError'));
    }
  }
}

// `wait` is the documented positional boolean or `{ wait, signal, timeoutMs,
// onStatus }`; both are handed to the wasm as they are.
class Vms {
  #client;

  constructor(client) {
    this.#client = client;
  }

  /** `POST /v1/vms`; with `wait` (default true) resolves once the VM is live. */
  async create(body, wait) {
    return (await this.#client()).createVm(body ?? null, wait ?? null);
  }

  /** Running VMs (`GET /v1/vms`). */
  async list(options) {
    return (await this.#client()).listVms(false, options ?? null);
  }

  /** Every VM record, terminated ones too (`GET /v1/vms/`). */
  async listAll(options) {
    return (await this.#client()).listVms(true, options ?? null);
  }

  async get(vmId, options) {
    return (await this.#client()).getVm(vmId, options ?? null);
  }

  async update(vmId, patch, options) {
    return (await this.#client()).updateVm(vmId, patch, options ?? null);
  }

  async delete(vmId, options) {
    return (await this.#client()).deleteVm(vmId, options ?? null);
  }

  /** Snapshots the VM; with `wait`, resolves once the snapshot is ready. */
  async snapshot(vmId, body, wait) {
    return (await this.#client()).snapshotVm(vmId, body ?? null, wait ?? null);
  }

  async clone(vmId, body, wait) {
    return (await this.#client()).cloneVm(vmId, body ?? null, wait ?? null);
  }

  /** Answers `suspending`; with `wait` (default false) resolves once `suspended`. */
  async suspend(vmId, wait) {
    return (await this.#client()).suspendVm(vmId, wait ?? null);
  }

  /** Resolves with the new VM the API mints (`resumed_from` names the old one). */
  async resume(vmId, wait) {
    return (await this.#client()).resumeVm(vmId, wait ?? null);
  }

  /** Stages env vars `{ NAME: 'value' }`; the values are never returned or shown. */
  async stageEnv(vmId, env, options) {
    return (await this.#client()).stageEnv(vmId, env, options ?? null);
  }

  async mountVolume(vmId, volume, wait) {
    return (await this.#client()).mountVolume(vmId, volume, wait ?? null);
  }

  async listVolumes(vmId, options) {
    return (await this.#client()).listVolumes(vmId, options ?? null);
  }

  /** `options`: `{ mount_path, wait, signal }`. */
  async unmountVolume(vmId, volumeId, options) {
    return (await this.#client()).unmountVolume(vmId, volumeId, options ?? null);
  }
}
