// The in-process measurements, in one Node process started with --expose-gc,
// against the release emulator at INSTAVM_BASE_URL (builds take 5 s).
// _wasmMemoryBytes: the Node entry's internal view of the instance.
import { createServer } from 'node:http';
import { InstaVM, _wasmMemoryBytes } from 'instavm-wasm';
import { createProxy, toNodeListener } from 'instavm-wasm/proxy';

const base = process.env.INSTAVM_BASE_URL;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const key = (k) => ({ 'X-API-Key': k });
const results = {};

// ---- per-call overhead: 2000 sequential gets each way, alternated call by call
// (the order rotates every round), so drift in the machine or the emulator
// falls on every side alike. The floors are what any client pays that bounds
// each request with its own AbortController and timeout timer, without the
// wasm: `floor_init` as this one calls fetch (`fetch(url, init)`), `floor`
// as it did before (a built Request, which fetch copies once more).
{
  const client = new InstaVM({ apiKey: 'bench-calls', baseUrl: base });
  const created = await client.snapshots.create({ oci_image: 'alpine' });
  const url = `${base}/v1/snapshots/${created.id}`;
  const headers = { ...key('bench-calls'), Accept: 'application/json' };
  const sides = {
    plain: async () => (await fetch(url, { headers })).json(),
    client: () => client.snapshots.get(created.id),
    floor: async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 60_000);
      try {
        const answer = await fetch(new Request(url, { headers, redirect: 'manual', signal: controller.signal }));
        return JSON.parse(await answer.text());
      } finally {
        clearTimeout(timer);
      }
    },
    floor_init: async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 60_000);
      try {
        const answer = await fetch(url, { headers: new Headers(headers), redirect: 'manual', signal: controller.signal });
        return JSON.parse(await answer.text());
      } finally {
        clearTimeout(timer);
      }
    },
  };
  const names = Object.keys(sides);
  for (let i = 0; i < 300; i++) for (const n of names) await sides[n]();
  const ms = Object.fromEntries(names.map((n) => [n, 0]));
  // Every call's time too: on this machine single calls of either side now
  // and then stall for milliseconds, so the sums (every cost included) are
  // given beside the medians (the typical call), which a stall cannot move.
  const each = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < 2000; i++) {
    for (let j = 0; j < names.length; j++) {
      const n = names[(i + j) % names.length];
      const t = performance.now();
      await sides[n]();
      const took = performance.now() - t;
      ms[n] += took;
      each[n].push(took);
    }
  }
  results.per_call = {
    // The budget's measure: one get against fetch(url, init) with a timeout.
    ratio_to_floor_init: ms.client / ms.floor_init,
    ratio_to_floor_init_of_medians: median(each.client) / median(each.floor_init),
    median_us: Object.fromEntries(names.map((n) => [n, median(each[n]) * 1000])),
    added_us_over_floor_init: ((ms.client - ms.floor_init) / 2000) * 1000,
    calls: 2000,
    client_ms: ms.client,
    plain_ms: ms.plain,
    floor_ms: ms.floor,
    floor_init_ms: ms.floor_init,
    ratio: ms.client / ms.plain,
    floor_ratio: ms.floor / ms.plain,
    floor_init_ratio: ms.floor_init / ms.plain,
    added_us_per_call: ((ms.client - ms.plain) / 2000) * 1000,
  };
}

// ---- through instavm-wasm/proxy: a keyless client through the proxy served
// from node:http in this process, against a direct call, with and without
// `owner`: a snapshot get (with owner, its ownership read is the answer) and
// a VM update (with owner, a read and then the update); 1000 calls each way,
// the three sides alternated call by call.
{
  const serve = async (options) => {
    const server = createServer(toNodeListener(createProxy({ authorize: 'public', apiKey: 'bench-proxy', baseUrl: base, prefix: '/instavm', allow: ['snapshots.*', 'vms.*'], ...options })));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, client: new InstaVM({ apiKey: null, baseUrl: `http://127.0.0.1:${server.address().port}/instavm` }) };
  };
  const plainProxy = await serve({});
  const ownerProxy = await serve({ owner: () => 'bench-user' });
  const direct = new InstaVM({ apiKey: 'bench-proxy', baseUrl: base });
  const clients = { direct, proxied: plainProxy.client, owner: ownerProxy.client };
  // Made through the owner proxy, so that all three may read and update them.
  const snapshot = await ownerProxy.client.snapshots.create({ oci_image: 'alpine' });
  const vm = await ownerProxy.client.vms.create({});
  const calls = {
    get: (c) => c.snapshots.get(snapshot.id),
    update: (c) => c.vms.update(vm.vm_id, { memory_mb: 1024 }),
  };
  results.proxy = { calls: 1000 };
  for (const [what, call] of Object.entries(calls)) {
    for (let i = 0; i < 200; i++) for (const c of Object.values(clients)) await call(c);
    const ms = { direct: 0, proxied: 0, owner: 0 };
    const names = Object.keys(ms);
    for (let i = 0; i < 1000; i++) {
      for (let j = 0; j < names.length; j++) {
        const n = names[(i + j) % names.length];
        const t = performance.now();
        await call(clients[n]);
        ms[n] += performance.now() - t;
      }
    }
    const added = (side) => ((ms[side] - ms.direct) / 1000) * 1000;
    results.proxy[what] = { direct_ms: ms.direct, proxied_ms: ms.proxied, owner_ms: ms.owner, added_us_per_call: added('proxied'), owner_added_us_per_call: added('owner') };
  }
  plainProxy.server.close();
  ownerProxy.server.close();
}

// ---- a list of 10 000 records
{
  const k = 'bench-list';
  for (let i = 0; i < 10_000; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => fetch(`${base}/v1/snapshots`, { method: 'POST', headers: { ...key(k), 'Content-Type': 'application/json' }, body: JSON.stringify({ oci_image: 'alpine', name: `s${i + j}` }) })));
  }
  const client = new InstaVM({ apiKey: k, baseUrl: base });
  const plain = async () => (await fetch(`${base}/v1/snapshots`, { headers: key(k) })).json();
  const count = (await client.snapshots.list()).length;
  await plain();
  const c = [];
  const p = [];
  for (let i = 0; i < 9; i++) {
    let t = performance.now();
    await client.snapshots.list();
    c.push(performance.now() - t);
    t = performance.now();
    await plain();
    p.push(performance.now() - t);
  }
  results.large_list = { records: count, client_ms: median(c), plain_ms: median(p), ratio: median(c) / median(p) };
}

// ---- memory across 10 000 calls, after a warm-up
{
  const client = new InstaVM({ apiKey: 'bench-calls', baseUrl: base });
  const list = await client.snapshots.list();
  const id = list[0].id;
  for (let i = 0; i < 1000; i++) await client.snapshots.get(id);
  global.gc();
  const before = { wasm: _wasmMemoryBytes(), heap: process.memoryUsage().heapUsed };
  for (let i = 0; i < 10_000; i++) {
    await client.snapshots.get(id);
    if (i % 100 === 0) await client.snapshots.get('missing').catch(() => {});
  }
  global.gc();
  results.memory = { calls: 10_000, wasm_before: before.wasm, wasm_after: _wasmMemoryBytes(), heap_before: before.heap, heap_after: process.memoryUsage().heapUsed };
}

// ---- polling: one real 5 s build with the default schedule
{
  const k = 'bench-poll';
  const client = new InstaVM({ apiKey: k, baseUrl: base });
  const created = await client.snapshots.create({ oci_image: 'alpine' });
  const createdAt = Date.parse(created.created_at);
  await client.snapshots.waitUntilReady(created.id);
  const seenAt = Date.now();
  const log = await (await fetch(`${base}/_emulator/requests`, { headers: key(k) })).json();
  const polls = log.requests.filter((r) => r.method === 'GET' && r.path.endsWith(created.id)).length;
  results.polling = { real: { build_ms: 5000, requests: polls, detection_delay_ms: seenAt - (createdAt + 5000) } };
}

// ---- 500 concurrent waits on 500 builds
{
  const k = 'bench-concurrency';
  const client = new InstaVM({ apiKey: k, baseUrl: base });
  const ids = [];
  for (let i = 0; i < 500; i += 50) {
    ids.push(...(await Promise.all(Array.from({ length: 50 }, () => client.snapshots.create({ oci_image: 'alpine' })))).map((s) => s.id));
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(ids.map((id) => client.snapshots.waitUntilReady(id)));
  const cpu = process.cpuUsage(cpu0);
  results.concurrency = { waits: 500, cpu_ms: (cpu.user + cpu.system) / 1000, wall_ms: performance.now() - t0 };
}

console.log(`RESULTS ${JSON.stringify(results)}`);
