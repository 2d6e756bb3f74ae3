// What a UI can watch: the client's onRetry before each retry of a request,
// a wait's onRetry for its failed polls (a "reconnecting…" line), and a
// wait's maxOutageMs, which ends a wait whose polls keep failing long before
// its deadline. Against the in-process emulator, with a fetch that fails on
// purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstaVM, ServerError, ValidationError } from 'instavm-wasm';
import { createEmulator } from 'instavm-wasm/testing';

/** The emulator's fetch, answering 502 to the GETs `failing()` says should fail. */
function flaky(emu, failing) {
  let failed = 0;
  const fetch = (url, init) => {
    if (init.method === 'GET' && failing(url)) {
      failed += 1;
      return Promise.resolve(Response.json({ detail: 'Bad gateway' }, { status: 502 }));
    }
    return emu.fetch(url, init);
  };
  return { fetch, failed: () => failed };
}

test("the client's onRetry is told of each retry of a request: attempt, the error, the delay, method and path", async () => {
  const emu = await createEmulator({ buildMs: 50, bootMs: 10 });
  const seen = [];
  const upstream = flaky(emu, () => true);
  const client = new InstaVM({ apiKey: 'instavm_sk_hooks', baseUrl: emu.baseUrl, fetch: upstream.fetch, maxRetries: 2, onRetry: (r) => seen.push(r) });
  const e = await client.snapshots.list().then(() => null, (err) => err);
  assert.ok(e instanceof ServerError, String(e));
  assert.deepEqual(seen.map((r) => [r.attempt, r.method, r.path, r.error instanceof ServerError, r.error.code]), [
    [1, 'GET', '/v1/snapshots', true, 'server_error'],
    [2, 'GET', '/v1/snapshots', true, 'server_error'],
  ]);
  assert.ok(seen.every((r) => r.delayMs > 0), JSON.stringify(seen.map((r) => r.delayMs)));
  assert.equal(upstream.failed(), 3, 'maxRetries + 1 attempts');
  // A throw from onRetry rejects the call with it, and nothing more is sent.
  const stop = new Error('stop retrying');
  const stopping = new InstaVM({ apiKey: 'instavm_sk_hooks', baseUrl: emu.baseUrl, fetch: upstream.fetch, maxRetries: 5, onRetry: () => { throw stop; } });
  assert.equal(await stopping.snapshots.list().then(() => null, (err) => err), stop);
  assert.equal(upstream.failed(), 4);
  assert.throws(() => new InstaVM({ apiKey: 'k', baseUrl: emu.baseUrl, onRetry: 'log' }), (err) => err instanceof ValidationError && err.field === 'onRetry');
  emu.close();
});

test("a wait's onRetry is told of each failed poll, counting failures in a row; maxOutageMs ends a wait whose polls keep failing", async () => {
  const emu = await createEmulator({ buildMs: 200, bootMs: 10 });
  let polls = 0;
  // The build's polls fail twice, then work: two retries, then ready.
  const twice = flaky(emu, (url) => /\/v1\/snapshots\/snap_/.test(url) && ++polls <= 2);
  const client = new InstaVM({ apiKey: 'instavm_sk_wait_hooks', baseUrl: emu.baseUrl, fetch: twice.fetch, maxRetries: 0 });
  const retries = [];
  const statuses = [];
  const made = await client.snapshots.create({ oci_image: 'alpine' }, { wait: true, pollIntervalMs: 20, onRetry: (r) => retries.push(r), onStatus: (s) => statuses.push(s.status) });
  assert.equal(made.status, 'ready');
  assert.deepEqual(retries.map((r) => [r.attempt, r.error instanceof ServerError]), [[1, true], [2, true]]);
  assert.ok(retries.every((r) => r.delayMs >= 0));
  assert.equal(statuses.at(-1), 'ready');

  // A backend that stays down: with maxOutageMs the wait gives up after about that long, not at its deadline.
  const down = flaky(emu, (url) => /\/v1\/snapshots\/snap_/.test(url));
  const dead = new InstaVM({ apiKey: 'instavm_sk_wait_hooks', baseUrl: emu.baseUrl, fetch: down.fetch, maxRetries: 0 });
  const started = Date.now();
  const e = await dead.snapshots.create({ oci_image: 'alpine' }, { wait: true, pollIntervalMs: 20, maxPollIntervalMs: 40, timeoutMs: 60_000, maxOutageMs: 300 }).then(() => null, (err) => err);
  const took = Date.now() - started;
  assert.ok(e instanceof ServerError, String(e));
  assert.match(e.message, /the wait gave up: \d+ polls failed in a row over maxOutageMs, 300 ms/);
  assert.ok(took < 5_000, `gave up after ${took} ms, not at the 60 s deadline`);
  const refused = await dead.snapshots.waitUntilReady('snap_x', { maxOutageMs: -1 }).then(() => null, (err) => err);
  assert.equal(refused?.field, 'maxOutageMs');
  emu.close();
});
