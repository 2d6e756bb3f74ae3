// `createEmulator()`: the InstaVM API emulator in process, behind a standard
// `fetch`. The routes, state, builds, VMs, idempotency and faults are the
// emulator's own Rust core (the server runs the same code); this file turns
// `fetch` calls into its requests and back, and keeps its waits on the
// emulator's clock, so that `advance(ms)` can stand in for sleeping.
import { EmulatorCore } from '../instavm_emulator.js';

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** `{ 429: 0.1, reset: 0.05 }` as the server's `--faults` spec. */
function faultSpec(faults) {
  if (faults == null) return '';
  if (typeof faults !== 'object') throw new TypeError(`createEmulator: faults must be an object such as { 429: 0.1, reset: 0.05 }, got ${typeof faults}`);
  return Object.entries(faults)
    .map(([kind, p]) => `${kind}:${p}`)
    .join(',');
}

function latency(ms) {
  if (ms == null) return [0, 0];
  return Array.isArray(ms) ? [ms[0], ms[1]] : [ms, ms];
}

/** Builds the emulator once the wasm is loaded (`ready` comes from the entry). */
export async function createEmulatorWith(ready, options = {}) {
  await ready();
  const { buildMs = 3000, bootMs = 500, faults, seed = 1, latencyMs, slowMs = 5000, idempotency = false, baseUrl = 'http://instavm-emulator.invalid' } = options ?? {};
  if (typeof idempotency !== 'boolean') throw new TypeError(`createEmulator: idempotency must be true or false, got ${typeof idempotency}`);
  const [latencyMin, latencyMax] = latency(latencyMs);
  const core = new EmulatorCore(buildMs, bootMs, faultSpec(faults), seed, latencyMin, latencyMax, slowMs, idempotency);
  const base = new URL(baseUrl);
  const waiters = new Set();
  let closed = false;

  /** Waits out a `later` on the emulator's clock: a timer, or `advance()`. */
  const later = ({ ms, token }, signal) =>
    new Promise((resolve, reject) => {
      const waiter = {
        due: core.nowMs() + ms,
        fire() {
          cleanup();
          resolve(core.resume(token));
        },
        fail(reason) {
          cleanup();
          core.forget(token);
          reject(reason);
        },
      };
      const timer = setTimeout(() => waiter.fire(), ms);
      const onAbort = () => waiter.fail(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      waiters.add(waiter);
      function cleanup() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        waiters.delete(waiter);
      }
    });

  async function fetch(input, init) {
    if (closed) throw new TypeError('instavm-wasm/testing: this emulator was closed');
    // A string or URL is resolved against the emulator's base, as a page
    // resolves it against its origin.
    const request = input instanceof Request ? new Request(input, init) : new Request(new URL(String(input), base), init);
    if (request.signal?.aborted) throw request.signal.reason;
    const url = new URL(request.url);
    const body = new Uint8Array(await request.arrayBuffer());
    const headers = [];
    request.headers.forEach((value, name) => headers.push(name, value));
    let out = core.handle(request.method, url.pathname, url.search ? url.search.slice(1) : undefined, headers, body);
    while (out.kind === 'later') out = await later(out, request.signal);
    if (out.kind === 'reset') {
      // What fetch does when the server drops the connection.
      const cause = Object.assign(new Error('the emulator dropped the connection (an injected reset)'), { code: 'ECONNRESET' });
      throw new TypeError('fetch failed', { cause });
    }
    const empty = NULL_BODY.has(out.status) || request.method === 'HEAD';
    return new Response(empty ? null : out.body, { status: out.status, headers: out.headers });
  }

  return {
    baseUrl: base.href.replace(/\/$/, ''),
    fetch,
    /** The `/v1` requests received, oldest first: one API key's, or all. */
    requests(apiKey) {
      return JSON.parse(core.requests(apiKey ?? undefined));
    },
    /** Moves the emulator's clock forward: builds, boots and waits progress by `ms`. */
    advance(ms) {
      core.advance(ms);
      const now = core.nowMs();
      for (const w of [...waiters]) if (w.due <= now) w.fire();
    },
    /** Ends pending requests with an error and frees the emulator; no timer is left running. */
    close() {
      if (closed) return;
      closed = true;
      for (const w of [...waiters]) w.fail(new TypeError('instavm-wasm/testing: the emulator was closed'));
      core.free();
    },
  };
}
