// instavm-wasm/proxy with `owner`: one key, two users. Alice makes a
// snapshot, a VM from it, a snapshot of the VM, a clone (and so a clone's
// snapshot) and a resumed VM; then Bob tries every operation of the table on
// each of them, by id and in lists. Every one is a 404 worded as for an id
// that does not exist, and what reached the API for it is the ownership read
// alone (a GET), never the operation. The same table runs against the proxy
// served by Node, Deno.serve, Bun.serve and workerd (Miniflare), and in Node
// once more in front of an upstream that keeps no metadata on clones and
// resumed VMs. Also: each user's Idempotency-Key space is their own, and a
// caller who leaves while `authorize` runs causes nothing to be sent (in
// Node, Deno and Bun; workerd does not tell the Worker).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InstaVM, Image } from 'instavm-wasm';
import { createProxy, toNodeListener } from 'instavm-wasm/proxy';
import { createEmulator } from 'instavm-wasm/testing';
import { BASE_URL, freshKey, requestLog, sleep } from './helpers.mjs';
import { startWorker } from './worker-host.mjs';
import { repoBin, startServing } from './runtimes.mjs';
import { makeProxy } from './owners-proxy.js';

const here = dirname(fileURLToPath(import.meta.url));
const closers = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

// ---------------------------------------------------------------- serving the proxy in each runtime

async function serveNode(options) {
  const server = createServer(toNodeListener(makeProxy(options)));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  return `http://127.0.0.1:${server.address().port}`;
}

const SERVE_SCRIPT = `import { makeProxy } from './owners-proxy.js';
const env = (name) => (globalThis.Deno ? Deno.env.get(name) : process.env[name]);
const proxy = makeProxy({ key: env('PROXY_KEY'), base: env('PROXY_BASE') });
if (globalThis.Deno) {
  Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log('LISTENING http://127.0.0.1:' + port) }, proxy);
} else {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: proxy });
  console.log('LISTENING http://127.0.0.1:' + server.port);
}
`;

/** The proxy under Deno or Bun; resolves with its origin once it listens. */
function serveRuntime(runtime, key) {
  const script = join(here, 'owners-serve.mjs');
  writeFileSync(script, SERVE_SCRIPT);
  const args = runtime === 'deno' ? ['run', '--allow-net=127.0.0.1', '--allow-read', '--allow-env=PROXY_KEY,PROXY_BASE', script] : [script];
  return startServing(repoBin(here, runtime), args, { cwd: here, closers, env: { PROXY_KEY: key, PROXY_BASE: BASE_URL, DENO_DIR: join(here, '.deno-cache') } });
}

/** The proxy as a Worker in workerd, with `enable_request_signal` so that it learns of a caller who leaves. */
async function serveWorkerd(key) {
  const entry = join(here, 'owners-worker.js');
  writeFileSync(entry, `import { makeProxy } from './owners-proxy.js';
export default { fetch: (request, env) => makeProxy({ key: env.KEY, base: env.BASE })(request) };
`);
  const mf = await startWorker(entry, join(here, 'owners-worker-dist'), { compatibilityDate: '2026-04-01', compatibilityFlags: ['enable_request_signal'], bindings: { KEY: key, BASE: BASE_URL } });
  closers.push(() => mf.dispose());
  return (await mf.ready).origin;
}

// ---------------------------------------------------------------- the calls

/** One call through the proxy as `user`: status and parsed body. */
async function as(origin, user, method, path, body, headers = {}) {
  const r = await fetch(`${origin}/instavm${path}`, {
    method,
    headers: { authorization: `Bearer ${user}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {}
  return { status: r.status, json, text };
}

/** Straight to the API with the key: what the proxy cannot show users. */
async function direct(key, method, path, body) {
  const r = await fetch(`${BASE_URL}${path}`, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: await r.json().catch(() => null) };
}

async function until(what, check, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    assert.ok(Date.now() < end, `timed out waiting for ${what}`);
    await sleep(100);
  }
}

const idOf = (r) => r?.vm_id ?? r?.snapshot_id ?? r?.id;

/**
 * Alice's records, made through the proxy; a system snapshot and an untagged
 * VM made with the key alone.
 */
async function aliceMakes(origin, key) {
  const snap = await as(origin, 'alice', 'POST', '/v1/snapshots', { oci_image: 'alpine', name: 'alice-base' });
  assert.equal(snap.status, 201, snap.text);
  assert.equal(snap.json.name, 'alice-base', 'the owner prefix is not shown');
  const S = snap.json.id;
  const system = await direct(key, 'POST', '/v1/snapshots', { oci_image: 'alpine', type: 'system', name: 'base-image' });
  await until('alice-base ready', async () => (await as(origin, 'alice', 'GET', `/v1/snapshots/${S}`)).json?.status === 'ready');
  const vm = await as(origin, 'alice', 'POST', '/v1/vms?wait=true', { snapshot_id: S, metadata: { team: 'a' } });
  assert.equal(vm.status, 201, vm.text);
  const V = idOf(vm.json);
  const vmSnap = await as(origin, 'alice', 'POST', `/v1/vms/${V}/snapshot`, { name: 'alice-vm-snap' });
  assert.ok(vmSnap.status < 300, vmSnap.text);
  const clone = await as(origin, 'alice', 'POST', `/v1/vms/${V}/clone?wait=true`, { snapshot_name: 'alice-clone' });
  assert.ok(clone.status < 300, clone.text);
  const parked = await as(origin, 'alice', 'POST', '/v1/vms?wait=true', {});
  const P = idOf(parked.json);
  assert.ok((await as(origin, 'alice', 'POST', `/v1/vms/${P}/suspend`)).status < 300);
  await until('suspended', async () => (await as(origin, 'alice', 'GET', `/v1/vms/${P}`)).json?.status === 'suspended');
  const resumed = await as(origin, 'alice', 'POST', `/v1/vms/${P}/resume?wait=true`);
  assert.ok(resumed.status < 300, resumed.text);
  const untagged = await direct(key, 'POST', '/v1/vms?wait=true', {});
  const snapshots = (await as(origin, 'alice', 'GET', '/v1/snapshots')).json;
  const cloneSnap = snapshots.find((s) => s.name === 'alice-clone');
  assert.ok(cloneSnap, `alice sees the clone's snapshot under its own name: ${JSON.stringify(snapshots)}`);
  await until('base-image ready', async () => (await direct(key, 'GET', `/v1/snapshots/${system.json.id}`)).json?.status === 'ready');
  return {
    snapshots: { base: S, ofVm: idOf(vmSnap.json), ofClone: cloneSnap.id },
    vms: { made: V, clone: idOf(clone.json), resumed: idOf(resumed.json) },
    system: system.json.id,
    untagged: idOf(untagged.json),
  };
}

/** Every operation of the table on a VM id, as Bob. */
const VM_ROWS = (id) => [
  ['vms.get', 'GET', `/v1/vms/${id}`],
  ['vms.update', 'PATCH', `/v1/vms/${id}`, { memory_mb: 1024 }],
  ['vms.delete', 'DELETE', `/v1/vms/${id}`],
  ['vms.snapshot', 'POST', `/v1/vms/${id}/snapshot`, { name: 'stolen' }],
  ['vms.clone', 'POST', `/v1/vms/${id}/clone`, { snapshot_name: 'stolen' }],
  ['vms.suspend', 'POST', `/v1/vms/${id}/suspend`],
  ['vms.resume', 'POST', `/v1/vms/${id}/resume`],
  ['vms.stageEnv', 'POST', `/v1/vms/${id}/stage-env`, { entries: [{ env_name: 'A', value: 'b' }] }],
  ['vms.mountVolume', 'POST', `/v1/vms/${id}/volumes`, { volume_id: 'vol_1', mount_path: '/data' }],
  ['vms.listVolumes', 'GET', `/v1/vms/${id}/volumes`],
  ['vms.unmountVolume', 'DELETE', `/v1/vms/${id}/volumes/vol_1?mount_path=%2Fdata`],
];
const SNAPSHOT_ROWS = (id) => [
  ['snapshots.get', 'GET', `/v1/snapshots/${id}`],
  ['snapshots.delete', 'DELETE', `/v1/snapshots/${id}`],
  ['vms.create from it', 'POST', '/v1/vms', { snapshot_id: id }],
];

/** The table: Bob on each of Alice's records, then the lists of both, then what only the key made. */
async function twoUsers(t, origin, key) {
  const made = await aliceMakes(origin, key);
  const rows = [];
  const row = (label, noun, id) => ([op, method, path, body]) => [`${op} on ${label}`, method, path, body, noun, id];
  for (const [what, id] of Object.entries(made.vms)) {
    rows.push(...VM_ROWS(id).map(row(`alice's VM (${what})`, 'VM', id)));
    // The same id with a character %-encoded reaches the same VM upstream: still not Bob's.
    rows.push([`vms.delete on alice's VM (${what}), %-encoded`, 'DELETE', `/v1/vms/${id.replace('_', '%5F')}`, undefined, 'VM', id]);
  }
  for (const [what, id] of Object.entries(made.snapshots)) rows.push(...SNAPSHOT_ROWS(id).map(row(`alice's snapshot (${what})`, 'Snapshot', id)));
  rows.push(...VM_ROWS(made.untagged).map(row('a VM the key made outside the proxy', 'VM', made.untagged)));
  rows.push(...VM_ROWS('vm_does_not_exist').map(row('no VM at all', 'VM', 'vm_does_not_exist')));

  for (const [name, method, path, body, noun, id] of rows) {
    await t.test(`bob: ${name} is a 404, and only the ownership read reached the API`, async () => {
      const before = (await requestLog(key)).length;
      const r = await as(origin, 'bob', method, path, body);
      assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
      // Worded as for an id that does not exist: nothing says the record is there.
      assert.equal(r.json.detail, `instavm proxy: ${noun} '${id}' not found`);
      const sent = (await requestLog(key)).slice(before).map((x) => `${x.method} ${x.path}`);
      const read = noun === 'VM' ? `GET /v1/vms/${id}` : `GET /v1/snapshots/${id}`;
      assert.deepEqual(sent, [read], `${method} ${path} sent only the read`);
    });
  }

  await t.test('the lists: each user sees their own records and the shared ones, never the other\'s or the untagged', async () => {
    const bobSnaps = (await as(origin, 'bob', 'GET', '/v1/snapshots')).json;
    assert.deepEqual(bobSnaps.map((s) => s.id), [made.system], 'bob sees only the shared system snapshot');
    for (const path of ['/v1/vms', '/v1/vms/']) assert.deepEqual((await as(origin, 'bob', 'GET', path)).json, [], `bob's ${path} is empty`);
    const aliceSnaps = (await as(origin, 'alice', 'GET', '/v1/snapshots')).json;
    assert.deepEqual(aliceSnaps.map((s) => s.id).sort(), [...Object.values(made.snapshots), made.system].sort());
    assert.deepEqual(aliceSnaps.map((s) => s.name).sort(), ['alice-base', 'alice-clone', 'alice-vm-snap', 'base-image']);
    const aliceVms = (await as(origin, 'alice', 'GET', '/v1/vms/')).json;
    assert.deepEqual(aliceVms.map(idOf).sort(), [...Object.values(made.vms), ...aliceVms.filter((v) => v.status === 'terminated').map(idOf)].sort());
    assert.ok(!aliceVms.some((v) => idOf(v) === made.untagged), 'the VM the key made outside the proxy is nobody\'s');
    for (const vm of aliceVms) assert.ok(!('instavm_proxy_owner' in (vm.metadata ?? {})), `the owner tag is not shown: ${JSON.stringify(vm.metadata)}`);
    assert.equal(aliceVms.find((v) => idOf(v) === made.vms.made).metadata.team, 'a', "alice's own metadata is kept");
    // Alice acts on her own: a clone's VM and a resumed VM included.
    for (const id of Object.values(made.vms)) assert.equal((await as(origin, 'alice', 'GET', `/v1/vms/${id}`)).status, 200);
    for (const id of Object.values(made.snapshots)) assert.equal((await as(origin, 'alice', 'GET', `/v1/snapshots/${id}`)).status, 200);
  });

  await t.test('shared: bob boots from the system snapshot but cannot delete it; a system snapshot of his own, or a forged owner tag, is refused or his', async () => {
    const vm = await as(origin, 'bob', 'POST', '/v1/vms?wait=true', { snapshot_id: made.system, metadata: { instavm_proxy_owner: 'someone-else' }, snapshot_on_terminate: true, snapshot_name: 'bob-last' });
    assert.equal(vm.status, 201, vm.text);
    const bobVm = idOf(vm.json);
    // The snapshot taken when the VM ends will be bob's: its name carries his prefix upstream, and not in his view.
    assert.match((await direct(key, 'GET', `/v1/vms/${bobVm}`)).json.snapshot_name, /^o\.[0-9a-f]{24}\.bob-last$/);
    assert.equal((await as(origin, 'bob', 'GET', `/v1/vms/${bobVm}`)).json.snapshot_name, 'bob-last');
    // Asked again without a name, it keeps his; a name that is not a string is refused before anything is sent.
    assert.ok((await as(origin, 'bob', 'PATCH', `/v1/vms/${bobVm}`, { snapshot_on_terminate: true })).status < 300);
    assert.match((await direct(key, 'GET', `/v1/vms/${bobVm}`)).json.snapshot_name, /^o\.[0-9a-f]{24}\.bob-last$/);
    assert.equal((await as(origin, 'bob', 'POST', `/v1/vms/${bobVm}/snapshot`, { name: 7 })).status, 400);
    assert.deepEqual((await as(origin, 'bob', 'GET', '/v1/vms/')).json.map(idOf), [bobVm]);
    assert.ok(!(await as(origin, 'alice', 'GET', '/v1/vms/')).json.some((v) => idOf(v) === bobVm), "bob's VM is not alice's");
    const del = await as(origin, 'bob', 'DELETE', `/v1/snapshots/${made.system}`);
    assert.equal(del.status, 403, del.text);
    const sys = await as(origin, 'bob', 'POST', '/v1/snapshots', { oci_image: 'alpine', type: 'system' });
    assert.equal(sys.status, 403, sys.text);
    const retag = await as(origin, 'bob', 'PATCH', `/v1/vms/${bobVm}`, { metadata: { instavm_proxy_owner: 'x' } });
    assert.equal(retag.status, 400, retag.text);
    assert.equal((await direct(key, 'GET', `/v1/snapshots/${made.system}`)).status, 200, 'the shared snapshot is still there');
    assert.equal((await as(origin, 'bob', 'DELETE', `/v1/vms/${bobVm}`)).status, 200);
  });

  await t.test('alice\'s records are all still there, untouched by bob', async () => {
    for (const id of Object.values(made.vms)) assert.equal((await direct(key, 'GET', `/v1/vms/${id}`)).json.status, 'active');
    for (const id of Object.values(made.snapshots)) assert.equal((await direct(key, 'GET', `/v1/snapshots/${id}`)).status, 200);
    const log = await requestLog(key);
    assert.ok(!log.some((x) => x.method !== 'GET' && /stolen/.test(JSON.stringify(x))), 'no write of bob\'s reached the API');
  });
}

/**
 * A caller who leaves while `authorize` runs (it takes 800 ms here): the
 * connection closes after 200 ms, and nothing is sent upstream.
 */
async function callerLeaves(origin, key) {
  const before = (await requestLog(key)).length;
  const { port } = new URL(origin);
  await new Promise((resolve) => {
    const req = httpRequest({ hostname: '127.0.0.1', port, method: 'POST', path: '/instavm/v1/snapshots', headers: { authorization: 'Bearer alice', 'content-type': 'application/json', 'x-test-slow-authorize': '800' } });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.end('{"oci_image":"alpine","name":"left"}');
    setTimeout(() => req.destroy(), 200);
  });
  await sleep(1500);
  const sent = (await requestLog(key)).slice(before).filter((x) => x.method === 'POST');
  assert.deepEqual(sent, [], 'the POST of a caller who left was not sent');
}

/** One request over a raw socket, method and headers exactly as written: its status line's code. */
function rawStatus(origin, head) {
  const { port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(`${head}\r\nconnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (c) => (text += c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

/**
 * Who refuses a method in another case than the API's, or unknown: the proxy
 * (405) where the runtime hands the request over; otherwise the runtime's own
 * HTTP server, before any handler runs (Node's parser answers 400, Bun closes
 * the connection, workerd answers 501).
 */
const ODD_METHOD_STATUS = { 'node:http (toNodeListener)': 400, 'Deno.serve': 405, 'Bun.serve': 0, 'workerd (Miniflare)': 501 };

/**
 * Refused in every runtime, with nothing sent: a method in another case or
 * unknown, and a rebound Host with its own Origin (a 403).
 */
async function refusedInEveryRuntime(runtime, origin, key) {
  const before = (await requestLog(key)).length;
  const auth = 'authorization: Bearer alice';
  for (const method of ['patch', 'Delete', 'FOO']) {
    const status = await rawStatus(origin, `${method} /instavm/v1/vms/vm_1 HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth}\r\ncontent-length: 0`);
    assert.equal(status, ODD_METHOD_STATUS[runtime], `${method} in ${runtime}`);
  }
  const rebound = await rawStatus(origin, `POST /instavm/v1/snapshots HTTP/1.1\r\nhost: rebind.evil.example\r\norigin: http://rebind.evil.example\r\nsec-fetch-site: same-origin\r\n${auth}\r\ncontent-length: 0`);
  assert.equal(rebound, 403, 'a rebound Host with its own Origin');
  assert.equal((await requestLog(key)).length, before, 'nothing was sent');
}

const RUNTIMES = {
  'node:http (toNodeListener)': (key) => serveNode({ key, base: BASE_URL }),
  'Deno.serve': (key) => serveRuntime('deno', key),
  'Bun.serve': (key) => serveRuntime('bun', key),
  'workerd (Miniflare)': (key) => serveWorkerd(key),
};

for (const [runtime, serve] of Object.entries(RUNTIMES)) {
  test(`two users, one key, in ${runtime}: bob reaches none of alice's records by any operation`, { timeout: 120_000 }, async (t) => {
    const key = freshKey(`owners_${runtime.replace(/\W+/g, '_')}`);
    const origin = await serve(key);
    await twoUsers(t, origin, key);
    await t.test('a method in another case or unknown is refused (by the proxy or the runtime), a rebound Host with its Origin a 403, nothing sent', () => refusedInEveryRuntime(runtime, origin, key));
    // workerd tells a Worker of a caller who left only under the
    // enable_request_signal flag, and the local workerd (Miniflare, direct
    // socket or not) did not even then: docs/reference.md says so.
    if (!runtime.startsWith('workerd')) await t.test('a caller who leaves while authorize runs causes nothing to be sent', () => callerLeaves(origin, key));
  });
}

test('two users in front of an API that keeps no metadata on clones and resumed VMs: the proxy knows them itself', { timeout: 120_000 }, async (t) => {
  const key = freshKey('owners_forgetful');
  const origin = await serveNode({ key, base: BASE_URL, forgetful: true });
  await twoUsers(t, origin, key);
});

test("each owner's Idempotency-Keys are their own: bob's replay of alice's key makes his own record, not alice's answer", { timeout: 30_000 }, async () => {
  const emulator = await createEmulator({ buildMs: 50, bootMs: 10, idempotency: true });
  const sent = [];
  const proxy = makeProxyFor(emulator, sent);
  const post = (user, body) => proxy(new Request('http://proxy.test/instavm/v1/snapshots', { method: 'POST', headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json', 'idempotency-key': 'same-key' }, body: JSON.stringify(body) }));
  const a = await post('alice', { oci_image: 'alpine', name: 'a' });
  const b = await post('bob', { oci_image: 'alpine', name: 'a' });
  const a2 = await post('alice', { oci_image: 'alpine', name: 'a' });
  const [ja, jb, ja2] = [await a.json(), await b.json(), await a2.json()];
  assert.equal(a.status, 201);
  assert.equal(b.status, 201, JSON.stringify(jb));
  assert.notEqual(jb.id, ja.id, "bob did not get alice's answer");
  assert.equal(b.headers.get('idempotent-replayed'), null);
  assert.equal(ja2.id, ja.id, "alice's own retry is replayed");
  assert.equal(a2.headers.get('idempotent-replayed'), 'true');
  // Upstream, the keys differ by owner and hold neither user's name.
  assert.equal(new Set(sent).size, 2);
  for (const k of sent) assert.match(k, /^[0-9a-f]{24}\.same-key$/);
});

/** A proxy in front of an in-process emulator, recording the Idempotency-Keys it sends. */
function makeProxyFor(emulator, sent) {
  const userOf = (request) => /^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? null;
  return createProxy({
    apiKey: 'instavm_sk_owners_idempotency',
    baseUrl: 'https://api.instavm.io',
    prefix: '/instavm',
    allow: ['snapshots.*'],
    authorize: (request) => userOf(request) !== null,
    owner: userOf,
    fetch: (url, init) => {
      const k = new Headers(init.headers).get('idempotency-key');
      if (k && init.method === 'POST') sent.push(k);
      return emulator.fetch(url, init);
    },
  });
}

test('the keyless client as a user of an owner proxy: builds, boots and lists only its own', { timeout: 60_000 }, async () => {
  const key = freshKey('owners_client');
  const origin = await serveNode({ key, base: BASE_URL });
  // The client sends no Authorization of its own accord: a page's session is a cookie; here a fetch that adds the token.
  const clientOf = (user) => new InstaVM({ apiKey: null, baseUrl: `${origin}/instavm`, fetch: (input, init) => fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), authorization: `Bearer ${user}` } }) });
  const alice = clientOf('alice');
  const bob = clientOf('bob');
  const snap = await alice.snapshots.create({ oci_image: 'alpine', name: 'client-made' }, { wait: true });
  assert.equal(snap.status, 'ready');
  assert.equal(snap.name, 'client-made');
  const vm = await alice.vms.create({ snapshot_id: snap.id });
  assert.deepEqual((await alice.snapshots.list()).map((s) => s.name), ['client-made']);
  assert.deepEqual((await bob.snapshots.list()), []);
  assert.deepEqual((await bob.vms.list()), []);
  const e = await bob.vms.get(vm.vm_id).then(() => null, (err) => err);
  assert.equal(e?.status, 404, String(e));
  assert.equal(e.code, 'not_found');
  // Errors a UI can branch on: the proxy's own code where it answered, the class's otherwise.
  const anonymous = new InstaVM({ apiKey: null, baseUrl: `${origin}/instavm`, maxRetries: 0 });
  const signIn = await anonymous.snapshots.list().then(() => null, (err) => err);
  assert.equal(signIn?.status, 401, String(signIn));
  assert.equal(signIn.code, 'unauthenticated');
  const invalid = await alice.vms.create({ vcpu_count: 99 }).then(() => null, (err) => err);
  assert.equal(invalid?.code, 'invalid_request', String(invalid));
  // ensure finds a user's own build again, and never another user's: bob's ensure of the same image builds his own.
  const image = Image.from('docker.io/library/alpine:3').aptInstall('git');
  const first = await alice.snapshots.ensure(image, { pollIntervalMs: 50 });
  const again = await alice.snapshots.ensure(image, { pollIntervalMs: 50 });
  assert.equal(again.id, first.id);
  assert.equal(again.reused, true);
  const bobs = await bob.snapshots.ensure(image, { pollIntervalMs: 50 });
  assert.notEqual(bobs.id, first.id);
  assert.equal(bobs.reused, false);
  assert.equal(bobs.name, first.name, 'the same name, each in its own user');
  await alice.vms.delete(vm.vm_id);
  for (const id of [snap.id, first.id]) await alice.snapshots.delete(id);
  await bob.snapshots.delete(bobs.id);
});

/**
 * An owner proxy in front of `upstream` (a fetch); the user is the
 * `Authorization: Bearer <user>` value read as a JSON string's contents, so
 * that `\uD800` spells a lone surrogate, as an app's decoded token could.
 */
function ownerProxy(upstream, extra = {}) {
  const userOf = (request) => {
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    return token === undefined ? null : JSON.parse(`"${token}"`);
  };
  return createProxy({ apiKey: 'instavm_sk_owners_stub_0123456789', baseUrl: 'https://api.instavm.io', prefix: '/instavm', allow: ['snapshots.*', 'vms.*'], authorize: (r) => userOf(r) !== null, owner: userOf, fetch: upstream, ...extra });
}
const call = (proxy, user, method, path, body, headers = {}) =>
  proxy(new Request(`http://proxy.test/instavm${path}`, { method, headers: { authorization: `Bearer ${JSON.stringify(user).slice(1, -1)}`, 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) }));

test('the ownership read fails closed: only a 200 is a record; another 4xx is a 404 as for no record, a 5xx or 429 keeps its status, an unreachable API is a 502; no upstream body is passed on', async () => {
  const record = { id: 'snap_A', name: 'o.000000000000000000000000.secret', oci_image: 'registry/private:1' };
  const answers = {
    snap_203: () => Response.json(record, { status: 203 }),
    snap_410: () => Response.json({ detail: "Snapshot 'snap_410' was deleted" }, { status: 410 }),
    snap_403: () => Response.json({ detail: 'not yours' }, { status: 403 }),
    snap_503: () => Response.json({ detail: 'busy, secret inside' }, { status: 503, headers: { 'retry-after': '2' } }),
    snap_429: () => Response.json({ detail: 'slow down' }, { status: 429, headers: { 'retry-after-ms': '150' } }),
    snap_down: () => Promise.reject(new TypeError('fetch failed')),
    snap_none: () => Response.json({ detail: 'Snapshot not found' }, { status: 404 }),
  };
  const sent = [];
  const proxy = ownerProxy(async (url, init) => {
    sent.push(`${init.method} ${url}`);
    const id = new URL(url).pathname.split('/').pop();
    return answers[id]();
  });
  const expect = { snap_203: 502, snap_410: 404, snap_403: 404, snap_503: 503, snap_429: 429, snap_down: 502, snap_none: 404 };
  for (const [id, status] of Object.entries(expect)) {
    for (const method of ['GET', 'DELETE']) {
      const r = await call(proxy, 'bob', method, `/v1/snapshots/${id}`);
      const text = await r.text();
      assert.equal(r.status, status, `${method} ${id}: ${text}`);
      assert.doesNotMatch(text, /secret|deleted|not yours|registry/, `${method} ${id}: no upstream body passed on`);
      if (status === 404) assert.equal(JSON.parse(text).detail, `instavm proxy: Snapshot '${id}' not found`);
    }
  }
  assert.equal((await call(proxy, 'bob', 'GET', '/v1/snapshots/snap_503')).headers.get('retry-after'), '2');
  assert.equal((await call(proxy, 'bob', 'GET', '/v1/snapshots/snap_429')).headers.get('retry-after-ms'), '150');
  assert.ok(sent.every((s) => s.startsWith('GET ')), `only ownership reads were sent: ${sent}`);
});

test("owner refusals before anything is sent: fields outside the contract, a snapshot that would be nobody's, a user id two users could share; the body sent is JSON", async () => {
  const emulator = await createEmulator({ buildMs: 10, bootMs: 10 });
  const bodies = [];
  const proxy = ownerProxy((url, init) => {
    if (init.method !== 'GET') bodies.push({ url, type: new Headers(init.headers).get('content-type'), body: init.body ? JSON.parse(new TextDecoder().decode(init.body)) : null });
    return emulator.fetch(url, init);
  });
  const vm = await (await call(proxy, 'bob', 'POST', '/v1/vms?wait=true', { snapshot_on_terminate: true })).json();
  assert.match(bodies.at(-1).body.snapshot_name, /^o\.[0-9a-f]{24}\.$/, 'asked for a snapshot at the end with no name: it gets the bare prefix');
  assert.equal(vm.snapshot_name, null, 'shown without the prefix');
  const count = bodies.length;
  const refused = [
    ['POST', '/v1/snapshots', { oci_image: 'alpine', is_public: true }, 400, /is_public.*is not passed on.*it takes oci_image/],
    ['POST', `/v1/vms/${vm.vm_id}/clone`, { snapshot_name: 'c', metadata: { instavm_proxy_owner: 'x' } }, 400, /metadata/],
    ['POST', `/v1/vms/${vm.vm_id}/resume`, { anything: 1 }, 400, /anything.*it takes none/],
    ['PATCH', `/v1/vms/${vm.vm_id}`, { snapshot_name: null }, 400, /snapshot_name cannot be cleared/],
    ['PATCH', `/v1/vms/${vm.vm_id}`, { snapshot_on_terminate: 'true' }, 400, /snapshot_on_terminate must be true or false/],
    ['POST', '/v1/vms', { snapshot_on_terminate: 1 }, 400, /snapshot_on_terminate must be true or false/],
    ['POST', '/v1/snapshots', '[1]', 400, /body must be a JSON object/],
  ];
  for (const [method, path, body, status, detail] of refused) {
    const r = await call(proxy, 'bob', method, path, body);
    const text = await r.text();
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${text}`);
    assert.match(JSON.parse(text).detail, detail);
  }
  // A lone surrogate is hashed as U+FFFD: refused, so that no two user ids share a tag.
  for (const user of ['mallory\uD800', 'mallory\uDFFF']) {
    const r = await call(proxy, user, 'GET', '/v1/vms');
    assert.equal(r.status, 500, JSON.stringify(user));
  }
  assert.equal(bodies.length, count, 'none of them was sent');
  // A body labelled text/plain is sent as the JSON the proxy checked.
  const made = await call(proxy, 'bob', 'POST', '/v1/snapshots', { oci_image: 'alpine', name: 'typed' }, { 'content-type': 'text/plain' });
  assert.equal(made.status, 201);
  assert.equal(bodies.at(-1).type, 'application/json');
  emulator.close();
});

test("one user's traffic does not push out another's clones: 10 000 creates by bob, alice still reaches her clone (upstream keeps no metadata on clones)", { timeout: 120_000 }, async () => {
  const emulator = await createEmulator({ buildMs: 10, bootMs: 10 });
  // An upstream that keeps no metadata on a clone.
  const proxy = ownerProxy(async (url, init) => {
    const response = await emulator.fetch(url, init);
    const value = await response.json().catch(() => null);
    const forget = (r) => (r && typeof r === 'object' && r.cloned_from ? { ...r, metadata: {} } : r);
    return Response.json(Array.isArray(value) ? value.map(forget) : forget(value), { status: response.status });
  });
  const source = await (await call(proxy, 'alice', 'POST', '/v1/vms?wait=true', {})).json();
  const clone = await (await call(proxy, 'alice', 'POST', `/v1/vms/${source.vm_id}/clone?wait=true`, {})).json();
  assert.equal((await call(proxy, 'alice', 'GET', `/v1/vms/${clone.vm_id}`)).status, 200);
  for (let i = 0; i < 10_000; i += 100) {
    await Promise.all(Array.from({ length: 100 }, () => call(proxy, 'bob', 'POST', '/v1/vms', {}).then((r) => r.arrayBuffer())));
  }
  assert.equal((await call(proxy, 'alice', 'GET', `/v1/vms/${clone.vm_id}`)).status, 200, "alice's clone is still hers");
  assert.equal((await call(proxy, 'bob', 'GET', `/v1/vms/${clone.vm_id}`)).status, 404);
  emulator.close();
});
