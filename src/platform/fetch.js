// The JS half of src/platform/fetch.rs: one HTTP attempt, bounded by a
// timeout and the caller's signal. It is JS because here the work around a
// request costs least and can be ordered best: Rust awaits one promise per
// attempt (each awaited promise costs two wasm-bindgen closures), the init
// object is a literal rather than four calls across the boundary, and the
// timer is armed after the request is on its way. Rust keeps every decision:
// what to send, whether to retry, what the answer means.

// How an attempt failed, the first element of the rejection.
const NETWORK = 0;
const ABORTED = 1;
const TIMED_OUT = 2;

/**
 * Sends `method url` with `headers` and an optional `body`. Resolves with
 * `[response, bodyText]`. Rejects with `[NETWORK, thrown]`,
 * `[ABORTED, signal.reason]` or `[TIMED_OUT]`. The timer and the listener are
 * gone when it settles, on every path.
 */
export async function attempt(fetch, url, method, headers, body, timeoutMs, signal) {
  if (signal?.aborted) throw [ABORTED, signal.reason];
  const controller = new AbortController();
  // redirect: 'manual', because fetch would carry X-API-Key to wherever a
  // redirect points; transport.rs follows those that stay on the API's origin.
  const init = { method, headers, redirect: 'manual', signal: controller.signal };
  if (body !== undefined) init.body = body;
  const abort = () => controller.abort();
  let timer;
  try {
    // Listening first: the caller may abort while fetch is being called.
    signal?.addEventListener('abort', abort);
    // The request goes out before the timer is armed: a runtime's first
    // setTimeout can be slow (Deno's took 4 ms here), and it then overlaps
    // the wait for the answer instead of delaying the request. `this` stays
    // undefined: workerd and user overrides expect a bare call.
    const sent = (async () => fetch.call(undefined, url, init))();
    timer = setTimeout(abort, timeoutMs);
    const response = await sent;
    if (typeof response !== 'object' || response === null) {
      throw new TypeError('fetch resolved to something that is not a Response');
    }
    return [response, await response.text()];
  } catch (e) {
    if (signal?.aborted) throw [ABORTED, signal.reason];
    throw controller.signal.aborted ? [TIMED_OUT] : [NETWORK, e];
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}
