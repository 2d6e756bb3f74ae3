// Misbehaving answers, redirects, isolation and leaks, against the emulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
// _wasmMemoryBytes: the Node entry's internal view of the instance, for the leak test.
import { InstaVM, InstaVMError, NotFoundError, _wasmMemoryBytes } from 'instavm-wasm';
import { BASE_URL, freshKey, requestLog, rejection, errorText, sleep } from './helpers.mjs';

/** A client whose next request carries `X-Emulator-Fault: kind` (one request only). */
function faulty(apiKey, extra = {}) {
  const state = { next: null };
  // The client calls its fetch as fetch(url, init).
  const fetchWithFault = (url, init) => {
    if (!state.next) return fetch(url, init);
    const faulted = new Request(url, init);
    faulted.headers.set('X-Emulator-Fault', state.next);
    state.next = null;
    return fetch(faulted);
  };
  return { client: new InstaVM({ apiKey, baseUrl: BASE_URL, fetch: fetchWithFault, maxRetries: 0, ...extra }), state };
}

test('malformed answers are typed errors, and the same client keeps working after each', async () => {
  const key = freshKey('malformed');
  const { client, state } = faulty(key);
  const s = await client.snapshots.create({ oci_image: 'alpine' });
  const cases = ['malformed', 'truncated', 'html', 'wrong-shape', 'huge', '500', '503', '429'];
  for (const kind of cases) {
    state.next = kind;
    let outcome;
    try {
      outcome = await client.snapshots.get(s.id);
    } catch (e) {
      outcome = e;
    }
    if (kind === 'huge') {
      assert.equal(outcome.id, 'snap_huge', 'a very large valid body is read');
    } else {
      assert.ok(outcome instanceof InstaVMError, `${kind}: ${outcome?.name} ${outcome?.message}`);
      assert.ok(!errorText(outcome).includes(key));
    }
    const again = await client.snapshots.get(s.id);
    assert.equal(again.id, s.id, `the client works after ${kind}`);
  }
  // A record without a status during a wait is a typed error too.
  state.next = 'no-status';
  const e = await rejection(client.snapshots.waitUntilReady(s.id, { pollIntervalMs: 50 }));
  assert.ok(e instanceof InstaVMError && /no status/.test(e.message), e.message);
  assert.equal((await client.snapshots.list()).length, 1);
});

test('a redirect to another origin is not followed: the key never leaves', async () => {
  const seen = [];
  const other = createServer((req, res) => {
    seen.push({ url: req.url, key: req.headers['x-api-key'] });
    res.end('{}');
  });
  await new Promise((r) => other.listen(0, '127.0.0.1', r));
  const target = `http://127.0.0.1:${other.address().port}/steal`;
  try {
    const key = freshKey('redirect');
    const client = new InstaVM({ apiKey: key, baseUrl: BASE_URL, headers: { 'X-Emulator-Fault': 'redirect', 'X-Emulator-Redirect-To': target } });
    const e = await rejection(client.snapshots.list());
    assert.ok(e instanceof InstaVMError, e.name);
    assert.equal(e.status, 307);
    assert.match(e.message, /not followed/);
    assert.deepEqual(seen, [], 'the other origin received nothing');
  } finally {
    await new Promise((r) => other.close(r));
  }
});

test('a second key gets 404 on every route of the first key, and cannot change anything', async () => {
  const owner = new InstaVM({ apiKey: freshKey('iso-owner'), baseUrl: BASE_URL });
  const other = new InstaVM({ apiKey: freshKey('iso-other'), baseUrl: BASE_URL, maxRetries: 0 });
  const snap = await owner.snapshots.create({ oci_image: 'alpine' });
  const vm = await owner.vms.create({}, true);
  await owner.vms.mountVolume(vm.vm_id, { volume_id: 'v1', mount_path: '/data' });
  const attempts = [
    ['snapshots.get', () => other.snapshots.get(snap.id)],
    ['snapshots.delete', () => other.snapshots.delete(snap.id)],
    ['snapshots.waitUntilReady', () => other.snapshots.waitUntilReady(snap.id)],
    ['vms.get', () => other.vms.get(vm.vm_id)],
    ['vms.update', () => other.vms.update(vm.vm_id, { memory_mb: 2048 })],
    ['vms.delete', () => other.vms.delete(vm.vm_id)],
    ['vms.snapshot', () => other.vms.snapshot(vm.vm_id, { name: 'x' }, false)],
    ['vms.clone', () => other.vms.clone(vm.vm_id, {}, false)],
    ['vms.suspend', () => other.vms.suspend(vm.vm_id)],
    ['vms.resume', () => other.vms.resume(vm.vm_id, false)],
    ['vms.stageEnv', () => other.vms.stageEnv(vm.vm_id, { A: 'b' })],
    ['vms.mountVolume', () => other.vms.mountVolume(vm.vm_id, { volume_id: 'v2', mount_path: '/x' })],
    ['vms.listVolumes', () => other.vms.listVolumes(vm.vm_id)],
    ['vms.unmountVolume', () => other.vms.unmountVolume(vm.vm_id, 'v1', { mount_path: '/x' })],
  ];
  for (const [name, call] of attempts) {
    const e = await rejection(call());
    assert.ok(e instanceof NotFoundError, `${name}: ${e?.name} ${e?.message}`);
  }
  assert.deepEqual(await other.snapshots.list(), []);
  assert.deepEqual(await other.vms.listAll(), []);
  assert.equal((await owner.snapshots.get(snap.id)).id, snap.id);
  const still = await owner.vms.get(vm.vm_id);
  assert.equal(still.status, 'active');
  assert.equal(still.memory_mb, 512);
  assert.equal((await owner.vms.listVolumes(vm.vm_id)).length, 1);
});

test('staged values appear in no log, record or answer', async () => {
  const key = freshKey('stagelog');
  const c = new InstaVM({ apiKey: key, baseUrl: BASE_URL });
  const vm = await c.vms.create({}, true);
  const secret = 'very-secret-staged-value-123';
  await c.vms.stageEnv(vm.vm_id, { DB_PASSWORD: secret });
  const everything = JSON.stringify([await requestLog(key), await c.vms.listAll(), await c.snapshots.list()]);
  assert.ok(!everything.includes(secret));
});

test('10 000 calls and 1 000 aborted waits leave wasm memory and live timers where they started', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const c = new InstaVM({ apiKey: freshKey('leaks'), baseUrl: BASE_URL });
  const s = await c.snapshots.create({ oci_image: 'alpine' });
  const abortedWaits = async (n) => {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const controller = new AbortController();
        const wait = c.snapshots.waitUntilReady(s.id, { signal: controller.signal, pollIntervalMs: 1000 });
        setTimeout(() => controller.abort(new Error('stop')), 20);
        await wait.catch(() => {});
      }),
    );
  };
  for (let i = 0; i < 500; i++) await c.snapshots.get(s.id);
  await abortedWaits(100);
  await sleep(50);
  const before = { memory: _wasmMemoryBytes(), timers: timers() };
  for (let i = 0; i < 10_000; i++) await c.snapshots.get(s.id);
  for (let i = 0; i < 10; i++) await abortedWaits(100);
  await sleep(50);
  const after = { memory: _wasmMemoryBytes(), timers: timers() };
  console.log(`# leaks: wasm memory ${before.memory} -> ${after.memory} bytes; live timers ${before.timers} -> ${after.timers}`);
  assert.equal(after.memory, before.memory, 'wasm memory did not grow');
  assert.equal(after.timers, before.timers, 'no timer left running');
});

test('the request is handed to fetch before the method returns, and the answer still arrives', async () => {
  const key = freshKey('sync-start');
  let fetchCalls = 0;
  const c = new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch: (url, init) => (fetchCalls++, fetch(url, init)) });
  const s = await c.snapshots.create({ oci_image: 'alpine' });
  fetchCalls = 0;
  const pending = c.snapshots.get(s.id);
  // The per-call figure depends on this: no queued microtask stands between
  // the call and its request.
  assert.equal(fetchCalls, 1, 'fetch was called inside snapshots.get()');
  assert.equal((await pending).id, s.id);
  // Refused input settles too, although it finishes before its Promise exists.
  assert.ok((await rejection(c.snapshots.get(''))) instanceof InstaVMError);
});

test('a signal aborted while fetch is being called aborts the request and rejects with its reason', async () => {
  const key = freshKey('abort-in-fetch');
  const controller = new AbortController();
  const reason = new Error('changed my mind');
  const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  let sawAbort = false;
  const c = new InstaVM({
    apiKey: key,
    baseUrl: BASE_URL,
    fetch: (url, init) => {
      controller.abort(reason);
      sawAbort = init.signal.aborted;
      return fetch(url, init);
    },
  });
  const e = await rejection(c.snapshots.list(undefined, { signal: controller.signal }));
  assert.equal(e, reason);
  assert.ok(sawAbort, "the request's own signal fired at once");
  await sleep(20);
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, timersBefore, 'no timer left running');
});

test('a signal whose addEventListener throws fails the call before anything is sent, and leaves no timer', async () => {
  const key = freshKey('throwing-signal');
  const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const signal = { aborted: false, reason: undefined, addEventListener() { throw new Error('no listeners here'); }, removeEventListener() {} };
  const c = new InstaVM({ apiKey: key, baseUrl: BASE_URL, maxRetries: 0 });
  const e = await rejection(c.snapshots.list(undefined, { signal }));
  assert.ok(e instanceof InstaVMError, String(e));
  assert.match(e.message, /no listeners here/);
  assert.equal((await requestLog(key)).length, 0, 'nothing reached the emulator');
  await sleep(20);
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, timersBefore, 'no timer left running');
});
