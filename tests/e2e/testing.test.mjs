// `instavm-wasm/testing`: the emulator in process, as users' tests use it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstaVM, NotFoundError, SnapshotBuildFailedError } from 'instavm-wasm';
import { createEmulator } from 'instavm-wasm/testing';

const FAST = { pollIntervalMs: 50, maxPollIntervalMs: 100, timeoutMs: 30_000 };
const liveTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('a client on emu.fetch builds, waits, boots and deletes with no socket, and close() leaves no timer', async () => {
  const timersBefore = liveTimers();
  const emu = await createEmulator({ buildMs: 300, bootMs: 100 });
  assert.match(emu.baseUrl, /\.invalid$/, 'a base URL that never resolves');
  const client = new InstaVM({ apiKey: 'test', baseUrl: emu.baseUrl, fetch: emu.fetch });
  const seen = [];
  const ready = await client.snapshots.create({ oci_image: 'docker.io/library/python:3.11-slim', build_args: { extra_pip_packages: ['numpy'] } }, { wait: true, ...FAST, onStatus: (s) => seen.push(s.status) });
  assert.equal(ready.status, 'ready');
  assert.deepEqual(seen, ['pending', 'building', 'ready']);
  const vm = await client.vms.create({ snapshot_id: ready.id }, true);
  assert.equal(vm.status, 'active');
  await client.vms.delete(vm.vm_id);
  await client.snapshots.delete(ready.id);
  assert.ok((await client.snapshots.get(ready.id).catch((e) => e)) instanceof NotFoundError);
  const log = emu.requests('test');
  assert.ok(log.length >= 6, JSON.stringify(log));
  assert.deepEqual(log.slice(0, 1).map((r) => [r.method, r.path]), [['POST', '/v1/snapshots']]);
  emu.close();
  assert.equal(liveTimers(), timersBefore, 'no timer left running');
  await assert.rejects(emu.fetch(`${emu.baseUrl}/v1/snapshots`), TypeError);
});

test('advance(ms) moves builds and boots on without sleeping', async () => {
  const emu = await createEmulator({ buildMs: 60_000, bootMs: 30_000 });
  const client = new InstaVM({ apiKey: 'test', baseUrl: emu.baseUrl, fetch: emu.fetch });
  const created = await client.snapshots.create({ oci_image: 'alpine' });
  assert.equal((await client.snapshots.get(created.id)).status, 'pending');
  emu.advance(20_000);
  assert.equal((await client.snapshots.get(created.id)).status, 'building');
  emu.advance(40_000);
  assert.equal((await client.snapshots.get(created.id)).status, 'ready');
  // A call that answers only once the VM has booted: advancing answers it.
  const t0 = performance.now();
  const booting = client.vms.create({}, false);
  const vm = await booting;
  assert.equal(vm.status, 'creating');
  const waited = emu.fetch(`${emu.baseUrl}/v1/vms?wait=true`, { method: 'POST', headers: { 'X-API-Key': 'test', 'Content-Type': 'application/json' }, body: '{}' });
  await new Promise((r) => setTimeout(r, 10));
  emu.advance(30_000);
  const answer = await waited;
  assert.equal(answer.status, 201);
  assert.equal((await answer.json()).status, 'active');
  assert.ok(performance.now() - t0 < 5_000, 'nothing slept for the boot');
  emu.close();
});

test('the same failure triggers and forced faults as the server', async () => {
  const emu = await createEmulator({ buildMs: 100, idempotency: true });
  const client = new InstaVM({ apiKey: 'test', baseUrl: emu.baseUrl, fetch: emu.fetch, maxRetries: 0 });
  const failed = await client.snapshots.create({ oci_image: 'registry.example.invalid/app:1' }, { wait: true, ...FAST }).catch((e) => e);
  assert.ok(failed instanceof SnapshotBuildFailedError, failed?.name);
  const headers = { 'X-API-Key': 'test' };
  const r429 = await emu.fetch(`${emu.baseUrl}/v1/snapshots`, { headers: { ...headers, 'X-Emulator-Fault': '429' } });
  assert.equal(r429.status, 429);
  assert.equal(r429.headers.get('retry-after'), '1');
  assert.ok(r429.headers.get('x-request-id'));
  await assert.rejects(emu.fetch(`${emu.baseUrl}/v1/snapshots`, { method: 'POST', headers: { ...headers, 'X-Emulator-Fault': 'reset', 'Idempotency-Key': 'k1' }, body: '{"oci_image":"alpine"}' }), (e) => e instanceof TypeError && e.cause?.code === 'ECONNRESET');
  const list = await (await emu.fetch(`${emu.baseUrl}/v1/snapshots`, { headers })).json();
  assert.equal(list.filter((s) => s.oci_image === 'alpine').length, 1, 'the reset POST acted');
  const replay = await emu.fetch(`${emu.baseUrl}/v1/snapshots`, { method: 'POST', headers: { ...headers, 'Idempotency-Key': 'k1' }, body: '{"oci_image":"alpine"}' });
  assert.equal(replay.headers.get('idempotent-replayed'), 'true', 'replayed, with idempotency: true');
  // lost and gateway act, then lose the answer.
  await assert.rejects(emu.fetch(`${emu.baseUrl}/v1/vms?wait=false`, { method: 'POST', headers: { ...headers, 'X-Emulator-Fault': 'lost' }, body: '{}' }), (e) => e instanceof TypeError);
  const gateway = await emu.fetch(`${emu.baseUrl}/v1/vms?wait=false`, { method: 'POST', headers: { ...headers, 'X-Emulator-Fault': 'gateway' }, body: '{}' });
  assert.ok([502, 504].includes(gateway.status), String(gateway.status));
  const vms = await (await emu.fetch(`${emu.baseUrl}/v1/vms/`, { headers })).json();
  assert.equal(vms.length, 2, 'both VMs were made');
  emu.close();
});

test('by default the in-process emulator ignores Idempotency-Key, as the documented API does', async () => {
  const emu = await createEmulator({ buildMs: 100 });
  const init = { method: 'POST', headers: { 'X-API-Key': 'test', 'Idempotency-Key': 'same' }, body: '{"oci_image":"alpine"}' };
  const a = await (await emu.fetch(`${emu.baseUrl}/v1/snapshots`, init)).json();
  const second = await emu.fetch(`${emu.baseUrl}/v1/snapshots`, init);
  assert.equal(second.headers.get('idempotent-replayed'), null);
  assert.notEqual((await second.json()).id, a.id, 'a second snapshot');
  await assert.rejects(createEmulator({ idempotency: 'yes' }), /idempotency must be true or false/);
  emu.close();
});

test('seeded random faults: the client survives them, and the same seed gives the same sequence', async () => {
  const statuses = async () => {
    const emu = await createEmulator({ faults: { 503: 0.3 }, seed: 7 });
    const out = [];
    for (let i = 0; i < 40; i++) out.push((await emu.fetch(`${emu.baseUrl}/v1/snapshots`, { headers: { 'X-API-Key': 'k' } })).status);
    emu.close();
    return out;
  };
  const [a, b] = [await statuses(), await statuses()];
  assert.deepEqual(a, b);
  assert.ok(a.includes(503) && a.includes(200));
  const emu = await createEmulator({ buildMs: 100, faults: { 429: 0.1, reset: 0.05, 503: 0.05 }, seed: 3 });
  const client = new InstaVM({ apiKey: 'test', baseUrl: emu.baseUrl, fetch: emu.fetch, maxRetries: 6 });
  for (let i = 0; i < 10; i++) await client.snapshots.create({ oci_image: 'alpine', name: `s${i}` });
  const names = (await client.snapshots.list()).map((s) => s.name).sort();
  assert.deepEqual(names, Array.from({ length: 10 }, (_, i) => `s${i}`).sort(), 'each create made exactly one snapshot');
  emu.close();
});

test('bad input gets an answer, never an exception: malformed JSON, huge bodies, unknown routes, Request and URL objects', async () => {
  const emu = await createEmulator();
  const h = { 'X-API-Key': 'k', 'Content-Type': 'application/json' };
  const cases = [
    [`${emu.baseUrl}/v1/snapshots`, { method: 'POST', headers: h, body: '{"oci_image":' }, 422],
    [`${emu.baseUrl}/v1/snapshots`, { method: 'POST', headers: h, body: 'x'.repeat(3 * 1024 * 1024) }, 413],
    [`${emu.baseUrl}/v2/nothing`, { headers: h }, 404],
    [`${emu.baseUrl}/v1/snapshots`, { method: 'PUT', headers: h }, 405],
    [`${emu.baseUrl}/v1/snapshots`, {}, 401],
    [new Request(`${emu.baseUrl}/v1/snapshots`, { headers: h }), undefined, 200],
    [new URL(`${emu.baseUrl}/v1/vms/`), { headers: h }, 200],
    ['/v1/snapshots', { headers: h }, 200],
  ];
  for (const [input, init, status] of cases) {
    const r = await emu.fetch(input, init);
    assert.equal(r.status, status, `${input} ${init?.method ?? ''}`);
    if (status >= 400) assert.ok((await r.json()).detail, 'a JSON detail');
  }
  emu.close();
});

