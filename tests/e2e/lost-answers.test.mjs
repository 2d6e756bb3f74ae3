// Nothing made twice against the API as documented: the emulator here does
// not replay Idempotency-Key (its default), and answers are lost after the
// server acted (`lost`: the connection drops; `gateway`: a 502 or 504). Every
// create-like call is looked for after such a loss, and sent again only when
// the lookup shows that nothing was made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createProxy, toNodeListener } from 'instavm-wasm/proxy';
import { InstaVM, Image, InstaVMError, NetworkError, ServerError } from 'instavm-wasm';
import { BASE_URL, freshKey, requestLog, rejection } from './helpers.mjs';

const FAST = { pollIntervalMs: 100, maxPollIntervalMs: 300, timeoutMs: 30_000 };
const PYTHON = 'docker.io/library/python:3.11-slim';

/** A fetch that forces `plan(method, path, n)` (a fault kind, or none) on each request. */
function forcing(plan) {
  let n = 0;
  return (url, init) => {
    const kind = plan(init.method ?? 'GET', new URL(url).pathname, n++);
    const request = new Request(url, init);
    request.headers.set('X-Emulator-Fault', kind ?? 'none');
    return fetch(request);
  };
}

/** The first POST's answer is lost in the way `kind` says; nothing else fails. */
const firstPostLost = (kind) => {
  let done = false;
  return forcing((method) => (method === 'POST' && !done ? ((done = true), kind) : 'none'));
};

/**
 * Exactly `rate` of POST answers lost after acting, spread evenly (the
 * phase set by `seed`), dropped and a 502/504 in turn.
 */
const lossy = (seed, rate) => {
  const counted = { lost: 0, posts: 0 };
  const fetch = forcing((method) => {
    if (method !== 'POST') return 'none';
    const k = seed + counted.posts++;
    if (Math.floor((k + 1) * rate) === Math.floor(k * rate)) return 'none';
    return counted.lost++ % 2 === 0 ? 'lost' : 'gateway';
  });
  return Object.assign(fetch, { counted });
};

const clean = (apiKey) => new InstaVM({ apiKey, baseUrl: BASE_URL, headers: { 'X-Emulator-Fault': 'none' } });
const postsTo = async (key, test) => (await requestLog(key)).filter((r) => r.method === 'POST' && test(r.path));

for (const kind of ['lost', 'gateway']) {
  test(`${kind}: every create-like call returns what its lost answer made, and the server holds one`, async () => {
    const key = freshKey(`lost-${kind}`);
    const admin = clean(key);
    const c = () => new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch: firstPostLost(kind), maxRetries: 2 });

    const snap = await c().snapshots.create({ oci_image: 'alpine', name: `once-${kind}` });
    const waited = await c().snapshots.create({ oci_image: 'alpine', name: `waited-${kind}` }, { wait: true, ...FAST });
    assert.equal(waited.status, 'ready');
    const vm = await c().vms.create({ metadata: { k: kind } });
    assert.equal(vm.status, 'active');
    const vmNoWait = await c().vms.create({}, false);
    const captured = await c().vms.snapshot(vm.vm_id, { name: `cap-${kind}` }, false);
    const capturedWaited = await c().vms.snapshot(vm.vm_id, { name: `capw-${kind}` }, { wait: true, ...FAST });
    assert.equal(capturedWaited.status, 'ready');
    const twin = await c().vms.clone(vm.vm_id, {}, { wait: true, ...FAST });
    await admin.vms.suspend(twin.vm_id, { wait: true, ...FAST });
    const resumed = await c().vms.resume(twin.vm_id, { wait: true, ...FAST });
    assert.equal(resumed.resumed_from, twin.vm_id);
    const mount = await c().vms.mountVolume(vm.vm_id, { volume_id: 'vol_1', mount_path: `/data-${kind}` });
    assert.equal(mount.mount_path, `/data-${kind}`);
    const ensured = await c().snapshots.ensure(Image.from(PYTHON).run(`echo ${kind}`), FAST);
    assert.equal(ensured.status, 'ready');

    const snapshots = await admin.snapshots.list();
    const count = (f) => snapshots.filter(f).length;
    assert.equal(count((s) => s.name === `once-${kind}`), 1);
    assert.equal(count((s) => s.name === `waited-${kind}`), 1);
    assert.equal(count((s) => s.name === `cap-${kind}`), 1);
    assert.equal(count((s) => s.name === `capw-${kind}`), 1);
    assert.equal(count((s) => s.name === ensured.name), 1);
    assert.ok([snap, waited, captured, capturedWaited, ensured].every((s) => snapshots.some((h) => h.id === s.id)), 'what each call returned is what the server holds');
    const vms = await admin.vms.listAll();
    // vm, vmNoWait, twin (and its capture's snapshot), resumed: four VMs, the suspended twin terminated.
    assert.deepEqual(vms.map((v) => v.vm_id).sort(), [vm.vm_id, vmNoWait.vm_id, twin.vm_id, resumed.vm_id].sort());
    assert.equal((await admin.vms.listVolumes(vm.vm_id)).length, 1);
    // Each lost create was sent once: its answer was found by looking.
    assert.equal((await postsTo(key, (p) => p.endsWith('/clone'))).length, 1);
    assert.equal((await postsTo(key, (p) => p.endsWith('/resume'))).length, 1);
    assert.equal((await postsTo(key, (p) => p === '/v1/snapshots')).length, 3);
  });
}

test('a create whose lost answer made nothing is sent again; one whose lookup cannot tell rejects with mayHaveActed and the candidates', async () => {
  const key = freshKey('lost-tell');
  // `500` refuses before acting: the lookup finds nothing, and the create goes again.
  const refusedOnce = forcing((method, _, n) => (method === 'POST' && n === 0 ? '500' : 'none'));
  const made = await new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch: refusedOnce }).snapshots.create({ oci_image: 'alpine', name: 'again' });
  assert.equal(made.name, 'again');
  assert.equal((await postsTo(key, (p) => p === '/v1/snapshots')).length, 2);

  // Another client made the same spec a moment ago: the lookup sees two, and cannot tell which is this call's.
  await clean(key).snapshots.create({ oci_image: 'alpine', name: 'twin' });
  const e = await rejection(new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch: firstPostLost('gateway') }).snapshots.create({ oci_image: 'alpine', name: 'twin' }));
  assert.ok(e instanceof ServerError, `${e.name}: ${e.message}`);
  assert.equal(e.mayHaveActed, true);
  assert.equal(e.candidates.length, 2);
  assert.match(e.message, /may have acted.*2 snapshot\(s\) may be its doing, snap_\w+, snap_\w+/);
  assert.equal((await clean(key).snapshots.list()).filter((s) => s.name === 'twin').length, 2, 'not sent a third time');

  // The lookup itself fails: mayHaveActed, no candidates, nothing sent again.
  const blind = forcing((method, path) => (method === 'POST' ? 'lost' : path === '/v1/vms/' ? '500' : 'none'));
  const e2 = await rejection(new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch: blind, maxRetries: 1 }).vms.create({}, false));
  assert.ok(e2 instanceof NetworkError && e2.mayHaveActed === true && e2.candidates === undefined, `${e2.name} ${e2.mayHaveActed}`);
  assert.match(e2.message, /looking for the VM it would have made failed/);
  assert.equal((await postsTo(key, (p) => p.startsWith('/v1/vms'))).length, 1);

  // A POST with nothing to look for says so too (suspend), and is not sent again.
  const vm = await clean(key).vms.create({});
  const e3 = await rejection(new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch: firstPostLost('lost') }).vms.suspend(vm.vm_id));
  assert.ok(e3 instanceof NetworkError && e3.mayHaveActed === true, e3.message);
  assert.equal((await postsTo(key, (p) => p.endsWith('/suspend'))).length, 1);
  // Errors after which nothing can have acted carry no such flag.
  const e4 = await rejection(clean(key).snapshots.get('snap_nope'));
  assert.ok(e4 instanceof InstaVMError && !('mayHaveActed' in e4));
});

test('identical creates at once from one client, half their answers lost: each gets a snapshot of its own, none made twice or orphaned', async () => {
  const key = freshKey('twins');
  // Every other POST's answer is lost after the server acted.
  let posts = 0;
  let lost = 0;
  const lose = (method) => (method === 'POST' && posts++ % 2 === 0 ? (lost++, 'lost') : 'none');
  const c = new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch: forcing(lose), maxRetries: 3 });
  const made = await Promise.all(Array.from({ length: 8 }, () => c.snapshots.create({ oci_image: 'alpine', name: 'twins' })));
  const ids = made.map((s) => s.id);
  assert.ok(lost >= 3, `answers lost: ${lost}`);
  assert.equal(new Set(ids).size, 8, 'eight calls, eight snapshots');
  const held = (await clean(key).snapshots.list()).map((s) => s.id).sort();
  assert.deepEqual(held, [...ids].sort(), 'the server holds exactly those');
});

test('no call makes more than maxRetries + 1 attempts, whatever the mix of failures', async () => {
  const key = freshKey('attempts');
  const admin = clean(key);
  const vm = await admin.vms.create({});
  const mixes = {
    '503, 503, then dropped after acting': ['503', '503', 'reset'],
    'refused before acting (500), over and over': ['500'],
    '503 and 500 in turn': ['503', '500'],
    '429 then gateway': ['429', 'gateway'],
  };
  let mix = 0;
  for (const [label, kinds] of Object.entries(mixes)) {
    mix += 1;
    for (const maxRetries of [0, 2, 3]) {
      // Each call counted on its own: a fresh sequence of faults, and a name no other call used.
      for (const call of [(c) => c.snapshots.create({ oci_image: 'alpine', name: `attempts-${mix}-${maxRetries}` }), (c) => c.vms.suspend(vm.vm_id)]) {
        let n = 0;
        const fetch = forcing((method) => (method === 'POST' ? kinds[n++ % kinds.length] : 'none'));
        await call(new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch, maxRetries })).catch(() => {});
        assert.ok(n >= 1 && n <= maxRetries + 1, `${label}, maxRetries ${maxRetries}: ${n} attempts`);
      }
    }
  }
  // Pinned down for one call: 503, 503, then refused before acting (500),
  // over and over, with maxRetries 2: three attempts (it made nine when the
  // transport's loop ran inside a second one).
  let n = 0;
  const fetch = forcing((method) => (method === 'POST' ? ['503', '503', '500'][n++ % 3] : 'none'));
  const before = (await postsTo(key, (p) => p === '/v1/snapshots')).length;
  const e = await rejection(new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch, maxRetries: 2 }).snapshots.create({ oci_image: 'alpine', name: 'nine' }));
  assert.ok(e instanceof ServerError && !e.mayHaveActed, `${e.name}: ${e.message}`);
  assert.match(e.message, /no snapshot it would have made was found/);
  assert.equal((await postsTo(key, (p) => p === '/v1/snapshots')).length - before, 3);
});

/**
 * Each create-like operation, 12 calls with 30% of POST answers lost after
 * acting (replay off): what the server holds afterwards against what the
 * calls reported. A duplicate is a record beyond one per call; an orphan is
 * a record of a call that rejected (which says mayHaveActed).
 */
test('30% of POST answers lost after acting, replay off: no operation makes a duplicate', { timeout: 240_000 }, async () => {
  const CALLS = 12;
  const rows = [];
  // `shared`: calls may rightly return the same record (ensure reuses).
  const measure = async (name, seed, setup, call, held, shared = false) => {
    const key = freshKey(`lossy-${name.replace(/\W+/g, '_')}`);
    const admin = clean(key);
    const fetch = lossy(seed, 0.3);
    const c = new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch, maxRetries: 3 });
    const context = await setup(admin);
    const returned = [];
    let rejected = 0;
    let flagged = 0;
    for (let i = 0; i < CALLS; i++) {
      const made = await call(c, context, i, admin).catch((e) => {
        rejected += 1;
        if (e.mayHaveActed) flagged += 1;
        assert.ok(e instanceof InstaVMError, `${name}: ${e?.stack ?? e}`);
        return null;
      });
      if (made) returned.push(made);
    }
    const onServer = await held(admin, context);
    const lost = returned.filter((id) => !onServer.includes(id));
    const extra = onServer.filter((id) => !returned.includes(id)).length;
    const duplicates = Math.max(0, extra - flagged) + (shared ? 0 : returned.length - new Set(returned).size);
    const orphans = extra - Math.max(0, extra - flagged);
    rows.push({ name, ok: returned.length, rejected, duplicates, orphans, lost: lost.length, posts: fetch.counted.posts, answersLost: fetch.counted.lost });
    // Every lost answer here came after the server acted, so every lookup finds it: no call rejects.
    assert.equal(returned.length, CALLS, `${name}: every call succeeded`);
    assert.ok(fetch.counted.lost > 0, `${name}: some answers were lost`);
    assert.equal(duplicates, 0, `${name}: duplicates`);
    assert.deepEqual(lost, [], `${name}: every returned record is on the server`);
  };
  const ids = (records, f = () => true) => records.filter(f).map((r) => r.id ?? r.vm_id);
  await measure('snapshots.create', 1, () => null, async (c) => (await c.snapshots.create({ oci_image: PYTHON, name: 'same-spec' })).id, async (a) => ids(await a.snapshots.list()));
  await measure('snapshots.create + wait', 2, () => null, async (c, _, i) => (await c.snapshots.create({ oci_image: 'alpine', name: `w${i % 3}` }, { wait: true, ...FAST })).id, async (a) => ids(await a.snapshots.list()));
  await measure('vms.create', 3, () => null, async (c) => (await c.vms.create({}, false)).vm_id, async (a) => ids(await a.vms.listAll()));
  await measure('vms.snapshot', 4, async (a) => (await a.vms.create({})).vm_id, async (c, vm) => (await c.vms.snapshot(vm, { name: 'cap' }, false)).id, async (a) => ids(await a.snapshots.list()));
  await measure('vms.clone', 5, async (a) => (await a.vms.create({})).vm_id, async (c, vm) => (await c.vms.clone(vm, {}, false)).vm_id, async (a, vm) => ids(await a.vms.listAll(), (v) => v.cloned_from === vm));
  await measure(
    'vms.resume',
    6,
    () => null,
    async (c, _, i, a) => {
      const vm = await a.vms.create({});
      await a.vms.suspend(vm.vm_id, { wait: true, ...FAST });
      return (await c.vms.resume(vm.vm_id, false)).vm_id;
    },
    async (a) => ids(await a.vms.listAll(), (v) => v.resumed_from),
  );
  await measure('vms.mountVolume', 7, async (a) => (await a.vms.create({})).vm_id, async (c, vm, i) => (await c.vms.mountVolume(vm, { volume_id: 'vol', mount_path: `/m${i}` })).mount_path, async (a, vm) => (await a.vms.listVolumes(vm)).map((v) => v.mount_path));
  await measure('snapshots.ensure', 8, () => null, async (c, _, i) => (await c.snapshots.ensure(Image.from(PYTHON).run(`echo ${i % 4}`), FAST)).id, async (a) => ids(await a.snapshots.list()), true);
  console.log('# 30% of POST answers lost after acting (dropped and 502/504 in turn), replay off, 12 calls each, maxRetries 3:');
  for (const r of rows) console.log(`# ${r.name.padEnd(24)} ok ${String(r.ok).padStart(2)}  rejected ${String(r.rejected).padStart(2)}  duplicates ${r.duplicates}  orphans ${r.orphans}  lost records ${r.lost}  answers lost ${String(r.answersLost).padStart(2)}  POSTs ${r.posts}`);
});

test('ensures in separate processes, replay off: one snapshot on the server', { timeout: 120_000 }, async () => {
  const key = freshKey('ensure-procs');
  const script = `
    import { InstaVM, Image } from 'instavm-wasm';
    const c = new InstaVM({ apiKey: process.env.KEY, baseUrl: process.env.INSTAVM_BASE_URL });
    const s = await c.snapshots.ensure(Image.from('${PYTHON}').run('echo procs'), { pollIntervalMs: 100, maxPollIntervalMs: 300 });
    console.log(JSON.stringify({ id: s.id, reused: s.reused }));`;
  const run = () =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, KEY: key }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`exit ${code}`))));
    });
  const results = await Promise.all([run(), run(), run(), run()]);
  assert.equal(new Set(results.map((r) => r.id)).size, 1, JSON.stringify(results));
  const held = (await clean(key).snapshots.list()).filter((s) => s.name.startsWith('image-'));
  assert.equal(held.length, 1, `one snapshot on the server: ${held.map((s) => s.id).join(' ')}`);
  assert.equal(held[0].id, results[0].id);
});

test('through instavm-wasm/proxy: a keyless client finds what a lost answer made, and a proxy that allows no lookup says mayHaveActed', async () => {
  const key = freshKey('lost-proxy');
  // The proxy's upstream fetch loses the first POST's answer after the emulator acted.
  const serve = async (allow) => {
    const proxy = createProxy({ apiKey: key, baseUrl: BASE_URL, prefix: '/instavm', allow, authorize: async () => true, fetch: firstPostLost('gateway') });
    const server = createServer(toNodeListener(proxy));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${server.address().port}/instavm`, close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))) };
  };
  const open = await serve(['snapshots.*', 'vms.*']);
  try {
    const c = new InstaVM({ apiKey: null, baseUrl: open.url });
    const snap = await c.snapshots.create({ oci_image: 'alpine', name: 'via-proxy' });
    assert.deepEqual((await clean(key).snapshots.list()).map((s) => s.id), [snap.id]);
  } finally {
    await open.close();
  }
  const narrow = await serve(['snapshots.create']);
  try {
    const c = new InstaVM({ apiKey: null, baseUrl: narrow.url });
    const e = await rejection(c.snapshots.create({ oci_image: 'alpine', name: 'via-narrow-proxy' }));
    assert.equal(e.mayHaveActed, true, `${e.name}: ${e.message}`);
    assert.match(e.message, /looking for the snapshot it would have made failed/);
    assert.equal((await clean(key).snapshots.list()).filter((s) => s.name === 'via-narrow-proxy').length, 1, 'made once, not sent again');
  } finally {
    await narrow.close();
  }
});

test('the proxy hands back the API\'s Date, by which a lookup tells new records from old', async () => {
  const apiDate = 'Wed, 21 Oct 2015 07:28:00 GMT';
  const upstream = async () => new Response('[]', { status: 200, headers: { 'content-type': 'application/json', date: apiDate } });
  const proxy = createProxy({ apiKey: 'instavm_sk_date', baseUrl: BASE_URL, allow: ['snapshots.list'], authorize: async () => true, fetch: upstream });
  const server = createServer(toNodeListener(proxy));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const r = await fetch(`http://127.0.0.1:${server.address().port}/v1/snapshots`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('date'), apiDate, "the API's, not the proxy host's");
  } finally {
    await new Promise((resolve) => (server.closeAllConnections(), server.close(resolve)));
  }
});
