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
  assert.match(e.message, /the wait gave up after \d+ failed polls? in a row over maxOutageMs, 300 ms/);
  assert.ok(took < 5_000, `gave up after ${took} ms, not at the 60 s deadline`);
  const refused = await dead.snapshots.waitUntilReady('snap_x', { maxOutageMs: -1 }).then(() => null, (err) => err);
  assert.equal(refused?.field, 'maxOutageMs');
  emu.close();
});

test('maxOutageMs counts from the first failed poll sent, so a hung API is given up after about a poll timeout, not two', { timeout: 30_000 }, async () => {
  const emu = await createEmulator({ buildMs: 50, bootMs: 10 });
  // The snapshot's polls never answer (until the client's 3 s timeout).
  const hang = (url, init) => (init.method === 'GET' && /\/v1\/snapshots\/snap_/.test(url) ? new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal.reason))) : emu.fetch(url, init));
  const client = new InstaVM({ apiKey: 'instavm_sk_hang', baseUrl: emu.baseUrl, fetch: hang, maxRetries: 0, timeoutMs: 3000 });
  const started = Date.now();
  const e = await client.snapshots.create({ oci_image: 'alpine' }, { wait: true, pollIntervalMs: 20, timeoutMs: 60_000, maxOutageMs: 1500 }).then(() => null, (err) => err);
  const took = Date.now() - started;
  assert.equal(e?.code, 'timeout', String(e));
  assert.match(e.message, /gave up after 1 failed poll in a row over maxOutageMs, 1500 ms/);
  // One hung poll (3 s), not two: the outage began when that poll was sent.
  assert.ok(took < 5_500, `gave up after ${took} ms`);
  emu.close();
});

test('the error onRetry is handed, and the one thrown, hold no byte of the key a server echoed', async () => {
  const key = 'instavm_sk_echoed_secret_123';
  const echo = async () => Response.json({ detail: `overloaded for key ${key}`, nested: { again: [key] } }, { status: 503 });
  const seen = [];
  const client = new InstaVM({ apiKey: key, baseUrl: 'https://api.instavm.io', fetch: echo, maxRetries: 1, onRetry: (r) => seen.push(r) });
  const e = await client.snapshots.list().then(() => null, (err) => err);
  assert.equal(seen.length, 1);
  for (const err of [seen[0].error, e]) {
    assert.ok(!JSON.stringify({ message: err.message, body: err.body }).includes(key), JSON.stringify(err.body));
    assert.deepEqual(err.body, { detail: 'overloaded for key [redacted]', nested: { again: ['[redacted]'] } });
  }
});
