// The public surface: `new InstaVM(options)` with `client.snapshots`. Each
// method forwards to the wasm `Client`; what lives here is only what
// wasm-bindgen cannot express well: async iteration, lazy loading, `wait`.

import * as wasm from './instavm_wasm.js';
import { InstaVMError, SnapshotBuildFailedError, ValidationError } from './errors.js';
import { makeError } from './make-error.js';

let loaded = false;
let loading = null;
let loader = null;
/** Reads an environment variable; entries whose runtime has one set it. */
let readEnv = () => undefined;

/**
 * Entry points of runtimes with an environment (Node, Bun, Deno) say how to
 * read it; browsers and Workers have none (a Worker is handed `env`).
 */
export function _setEnvironment(read) {
  readEnv = read;
}

/**
 * `new InstaVM()` options with the environment's defaults: `apiKey` from
 * INSTAVM_API_KEY and `baseUrl` from INSTAVM_BASE_URL, each only where the
 * caller gave none (`apiKey: null` says there is none on purpose: a proxy
 * adds it). In a page, a `baseUrl` that is a path (`/instavm`) is resolved
 * against the page, as `fetch` would resolve it. Anything that is not a key
 * or an options object is left for the wasm to refuse by name.
 */
function withEnvironment(options) {
  const given = typeof options === 'string' ? { apiKey: options } : options ?? {};
  if (typeof given !== 'object' || Array.isArray(given)) return options;
  const out = { ...given };
  if (out.apiKey === undefined) {
    const key = readEnv('INSTAVM_API_KEY', true);
    if (key) out.apiKey = key;
  }
  if (out.baseUrl === undefined) {
    const url = readEnv('INSTAVM_BASE_URL', false);
    if (url) out.baseUrl = url;
  }
  const page = globalThis.location?.href;
  if (isPath(out.baseUrl) && page) {
    out.baseUrl = new URL(out.baseUrl, page).href;
  }
  return out;
}

/** Set by the browser entry (web.js): the client runs in a page or a browser worker. */
let inPage = false;

/**
 * For the browser entry alone: not a sniff of globals, which servers define
 * too (workerd's and Deno's workers have `WorkerGlobalScope`, jsdom a `window`).
 */
export function _markPage() {
  inPage = true;
}

/**
 * A secret key (`instavm_sk_...`) in a page or a browser worker is readable
 * by everyone who loads it: refused unless the caller says, with
 * `dangerouslyAllowBrowser: true`, that the page is theirs alone.
 */
function refuseSecretInPage(options) {
  if (!inPage || typeof options?.apiKey !== 'string' || !/^instavm_sk_/i.test(options.apiKey) || options.dangerouslyAllowBrowser === true) return;
  const e = new ValidationError(
    'apiKey: a secret key in a page is readable by all who load it: keep it on your server behind instavm-wasm/proxy (apiKey: null here), or pass dangerouslyAllowBrowser: true for a page only you open',
    { field: 'apiKey', code: 'secret_key_in_browser' },
  );
  Error.captureStackTrace?.(e, InstaVM);
  throw e;
}

/** Whether `base` is a path on the page's origin (`/instavm`), not a URL (`//host` is a URL without its scheme). */
function isPath(base) {
  return typeof base === 'string' && base.startsWith('/') && !base.startsWith('//');
}

/** Whether `options.baseUrl` is a path where there is no page to resolve it against. */
function pathWithoutPage(options) {
  return isPath(options?.baseUrl) && !globalThis.location?.href;
}

/** Deno's refusal to read the environment, as the error a user can act on. */
export function envDenied(name) {
  return new ValidationError(
    `apiKey: not given, and Deno denied reading ${name}: run with --allow-env=INSTAVM_API_KEY,INSTAVM_BASE_URL, or pass new InstaVM({ apiKey })`,
    { field: 'apiKey' },
  );
}

/** Entry points say how the wasm is loaded in their runtime. */
export function _setLoader(load) {
  loader = load;
}

/** Whether the wasm is instantiated (`Image` needs it synchronously). */
export function isLoaded() {
  return loaded;
}

/** Marks the wasm as instantiated. */
function markLoaded() {
  loaded = true;
  wasm.setErrorFactory((d) => makeError(inPage ? withCorsHint(d) : d));
}

/**
 * In a page, a `fetch` that fails gives no reason: a server that is down and
 * one whose CORS does not admit the page look the same. When the API is on
 * another origin, the NetworkError says so and names the proxy's option.
 */
function withCorsHint(d) {
  const target = d.name === 'NetworkError' && /^Could not reach (\S+): /.exec(d.message)?.[1];
  const origin = globalThis.location?.origin;
  if (!target || !origin || URL.canParse?.(target) !== true || new URL(target).origin === origin) return d;
  return { ...d, message: `${d.message}. The browser gives no reason: the server is down, or its CORS does not admit this page's origin (${origin}); for instavm-wasm/proxy, list it in allowedOrigins` };
}

/** For entries that have the wasm at hand (bytes or a compiled module): instantiates it now. */
export function _initSync(module) {
  wasm.initSync({ module });
  markLoaded();
}

/**
 * Bytes of wasm linear memory. Not part of the API (the types declare it
 * with a leading underscore, undocumented): the entries export it for the
 * package's own leak test and bench, which cannot reach the instance inside
 * the bundle otherwise.
 */
export function _wasmMemoryBytes() {
  // initSync hands back the instance that is already loaded.
  return wasm.initSync().memory.buffer.byteLength;
}

/**
 * Loads the wasm now. Optional: every call loads it on first use. Pages may
 * call it early so the first request does not wait for the download.
 */
export function init(input) {
  if (loaded) return Promise.resolve();
  loading ??= Promise.resolve(loader(input)).then(markLoaded, (e) => {
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
    options = withEnvironment(options);
    refuseSecretInPage(options);
    // A path `baseUrl` with no page to resolve it against: a page's module
    // prerendered on a server (Next.js renders client components there too).
    // Refused on the first call, not here, so that merely importing the page
    // on the server does not throw.
    if (loaded && !pathWithoutPage(options)) {
      try {
        this.#core = new wasm.Client(options);
      } catch (e) {
        // The stack then starts at the caller's `new InstaVM(...)`.
        if (e instanceof InstaVMError) Error.captureStackTrace?.(e, InstaVM);
        throw e;
      }
    } else this.#options = options;
    // Runs `fn` with the wasm client: at once when it is loaded (no extra
    // promise tick on the hot path), after loading it otherwise.
    const withCore = (fn) => (this.#core ? fn(this.#core) : this.#client().then(fn));
    this.snapshots = new Snapshots(withCore);
    this.vms = new Vms(withCore);
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

/**
 * The options keys that describe an `Image`'s snapshot rather than the call:
 * its name and the resources (`RESOURCE_KEYS` and `option_keys` in
 * src/core/image.rs, which name them in refusals).
 */
const IMAGE_KEYS = ['name', 'vcpu_count', 'memory_mb', 'type'];

/**
 * An `Image` becomes its create parameters, with `{ name, vcpu_count,
 * memory_mb, type }` taken from the options; the rest stays the call's
 * options (where `ensure` keeps `name`, the base of the snapshot's name).
 */
function asParams(params, options, keepName) {
  if (!(params instanceof wasm.Image)) return [params, options ?? null, false];
  if (options == null || typeof options !== 'object') return [params.toParams(null), options ?? null, true];
  const resources = {};
  const rest = {};
  for (const [key, value] of Object.entries(options)) {
    if (IMAGE_KEYS.includes(key)) resources[key] = value;
    if (!IMAGE_KEYS.includes(key) || (keepName && key === 'name')) rest[key] = value;
  }
  return [params.toParams(resources), rest, true];
}

// The resources' methods that only hand their arguments to the wasm are made
// from this list (documented once, in index.d.ts). The names are the
// operation names of js/operations.js, which the proxy matches requests
// against and the wasm client's one `call` export dispatches on
// (`OPERATIONS` in src/api/client.rs). A package check holds the client's
// methods and js/operations.js to the same names, and an end-to-end test
// (first-contact) calls every method to prove the wasm knows each name.
// Arguments left out are sent as null.
const FORWARDED = [
  'snapshots.list',
  'snapshots.get',
  'snapshots.delete',
  'snapshots.waitUntilReady',
  'vms.create',
  'vms.list',
  'vms.listAll',
  'vms.get',
  'vms.update',
  'vms.delete',
  'vms.snapshot',
  'vms.clone',
  'vms.suspend',
  'vms.resume',
  'vms.stageEnv',
  'vms.mountVolume',
  'vms.listVolumes',
  'vms.unmountVolume',
];

/** The key under which a resource keeps its way to the wasm client. */
const WITH = Symbol('withCore');

/** Installs the forwarding methods of `resource` (`snapshots`, `vms`) on its class. */
function forwarding(Resource, resource) {
  for (const operation of FORWARDED) {
    const [owner, name] = operation.split('.');
    if (owner !== resource) continue;
    // No method takes more than three arguments.
    const forward = function (a = null, b = null, c = null) {
      return this[WITH]((core) => core.call(operation, a, b, c));
    };
    Object.defineProperty(forward, 'name', { value: name });
    Object.defineProperty(Resource.prototype, name, { value: forward, writable: true, configurable: true });
  }
}

class Snapshots {
  constructor(withCore) {
    Object.defineProperty(this, WITH, { value: withCore });
  }

  /**
   * `POST /v1/snapshots`: starts a build. With `{ wait: true }` resolves once
   * it is ready (the other options are those of `waitUntilReady`).
   */
  create(params, options) {
    return this[WITH]((c) => c.call('snapshots.create', ...asParams(params, options, false)));
  }

  /**
   * Resolves with a `ready` snapshot built from exactly this spec (an `Image`
   * or create parameters): reused when one exists, waited for when one is
   * being built, built otherwise (once, however many clients ask at once).
   * `reused` on the result says whether this call started no build.
   */
  ensure(imageOrParams, options) {
    return this[WITH]((c) => c.call('snapshots.ensure', ...asParams(imageOrParams, options, true)));
  }

  /**
   * Yields the snapshot at each status change, ending after `ready` or a
   * failure status (both are yielded). Breaking out of the loop stops polling.
   */
  async *watch(id, options = {}) {
    const core = await this[WITH]((c) => c);
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
      .call('snapshots.waitUntilReady', id ?? null, {
        ...options,
        signal: stop.signal,
        onStatus: (s) => {
          queue.push(s);
          notify();
          options?.onStatus?.(s);
        },
      }, null)
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
  constructor(withCore) {
    Object.defineProperty(this, WITH, { value: withCore });
  }
}

forwarding(Snapshots, 'snapshots');
forwarding(Vms, 'vms');
