// Every copy of the API in the repository, checked against api/openapi.yaml:
// a change to the contract alone (a bound, a query parameter, an operation)
// fails here until each copy follows. The copies that are tables are compared
// as data; the client and the emulator are checked by what they do (the
// requests the client sends and what it refuses before sending; what the
// emulator routes and refuses). CONTRIBUTING lists each copy and its check.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { boundedIntegers, constrainedStrings, enums, loadContract, nullable, queryAsBody, root } from './contract.mjs';
import { COMPOSITES, OPERATIONS, WAIT_POLLS } from '../../js/operations.js';
import { BODY_FIELDS } from '../../js/proxy/owners.js';
import { InstaVM } from '../../pkg/node.js';
import { createEmulator } from '../../pkg/testing-node.js';

const { deref, operations } = loadContract();
const names = Object.keys(operations).sort();

test('the contract names every operation by the client method that calls it', () => {
  assert.ok(names.length >= 18, `${names.length} operations`);
  for (const name of names) assert.match(name, /^(snapshots|vms)\.[a-z][A-Za-z]*$/, `operationId ${name}`);
});

test('js/operations.js (the proxy\'s routes and the query parameters it passes) is the contract\'s table', () => {
  assert.deepEqual(Object.keys(OPERATIONS).sort(), names, 'the same operations');
  for (const name of names) {
    const [method, pattern, query = []] = OPERATIONS[name];
    const want = operations[name];
    assert.deepEqual({ method, pattern, query: [...query].sort() }, { method: want.method, pattern: want.pattern, query: want.query.filter((q) => q !== 'Idempotency-Key') }, name);
  }
  for (const [composite, parts] of Object.entries(COMPOSITES)) {
    for (const part of parts) assert.ok(operations[part], `${composite} is made of ${part}, which the contract has`);
  }
});

test('what each wait polls (the proxy\'s warning) is the contract\'s x-instavm-wait', () => {
  const fromContract = Object.fromEntries(names.filter((n) => operations[n].wait).map((n) => [n, operations[n].wait]));
  const fromTable = Object.fromEntries(Object.entries(WAIT_POLLS).map(([op, [poll]]) => [op, poll]));
  assert.deepEqual(fromTable, fromContract);
});

test('the proxy\'s body allow-list (owner) is each operation\'s request body in the contract', () => {
  const withBodies = names.filter((n) => operations[n].method === 'POST' || operations[n].method === 'PATCH');
  assert.deepEqual(Object.keys(BODY_FIELDS).sort(), withBodies.sort(), 'an allow-list for every operation that takes a body');
  for (const name of withBodies) {
    assert.deepEqual([...BODY_FIELDS[name]].sort(), Object.keys(operations[name].body?.properties ?? {}).sort(), name);
  }
});

test("README.md's and docs/reference.md's bounds are the contract's", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8') + readFileSync(join(root, 'docs', 'reference.md'), 'utf8');
  const stated = [...readme.matchAll(/`(\w+)` \(?(\d+)\.\.(\d+)/g)].map(([, field, min, max]) => ({ field, min: Number(min), max: Number(max) }));
  assert.ok(stated.length >= 4, `bounds found in the docs: ${JSON.stringify(stated)}`);
  const bounds = names.flatMap((n) => boundedIntegers(operations[n].body, deref));
  for (const s of stated) {
    const same = bounds.filter((b) => b.path.at(-1) === s.field);
    assert.ok(same.length > 0, `the docs bound ${s.field}, which the contract does not`);
    for (const b of same) assert.deepEqual([s.min, s.max], [b.min, b.clientMax], `${s.field}: the docs say ${s.min}..${s.max}, the contract ${b.min}..${b.clientMax}`);
  }
});

test("docs/reference.md's tables have a row for every operation of the contract", () => {
  const reference = readFileSync(join(root, 'docs', 'reference.md'), 'utf8');
  const section = (title) => reference.split(/^## /m).find((s) => s.startsWith(title)) ?? '';
  for (const name of names) {
    const [resource, method] = name.split('.');
    const rows = section(resource === 'snapshots' ? 'Snapshots' : 'VMs').split('\n').filter((line) => line.startsWith('| `'));
    assert.ok(rows.some((row) => new RegExp(`\\b${method}\\(`).test(row.split(' | ')[0])), `docs/reference.md's ${resource} table has no row for ${method}(...)`);
  }
});

test("README.md's method tables have a row for every operation, name no method the client lacks, and list update's fields and list's types as the contract does", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  // The tables whose first column is `method`: snapshots' first, then VMs'.
  // Each table ends at its first line that is not a row.
  const tables = readme.split(/\n(?=\| method \|)/).slice(1).map((t) => {
    const lines = t.split('\n');
    const end = lines.findIndex((l) => !l.startsWith('|'));
    return lines.slice(0, end < 0 ? lines.length : end).filter((l) => l.startsWith('| `'));
  });
  assert.equal(tables.length, 2, 'two method tables (snapshots, VMs)');
  for (const [resource, rows] of [['snapshots', tables[0]], ['vms', tables[1]]]) {
    const cells = rows.map((row) => row.split(' | ')[0]);
    const named = cells.flatMap((cell) => [...cell.matchAll(/`(\w+)\(/g)].map(([, m]) => `${resource}.${m}`));
    for (const name of names.filter((n) => n.startsWith(`${resource}.`))) assert.ok(named.includes(name), `README.md's ${resource} table has no row for ${name.split('.')[1]}(...)`);
    for (const name of named) assert.ok(operations[name] || COMPOSITES[name], `README.md's ${resource} table names ${name}, which is neither an operation of the contract nor one of the client's composites`);
  }
  const updateRow = tables[1].find((row) => row.includes('update(')) ?? '';
  const updateFields = [...updateRow.split(' | ')[1].matchAll(/`(\w+)`/g)].map(([, f]) => f).filter((f) => f !== 'update');
  assert.deepEqual(updateFields.sort(), Object.keys(operations['vms.update'].body.properties).sort(), "README.md's update fields");
  const listRow = tables[0].find((row) => row.includes('list(')) ?? '';
  const types = [...listRow.split(' | ')[1].matchAll(/`(\w+)`/g)].map(([, t]) => t).filter((t) => t !== 'type');
  const [typeEnum] = enums(queryAsBody(operations['snapshots.list']), deref);
  assert.deepEqual(types.sort(), [...typeEnum.values].sort(), "README.md's snapshot types");
});

// ------------------------------------------------------------ the client

/** A client on the in-process emulator whose every request is recorded. */
async function recordingClient() {
  const emu = await createEmulator({ buildMs: 5, bootMs: 1 });
  const sent = [];
  const fetch = (url, init) => {
    const u = new URL(url);
    sent.push({ method: init?.method ?? 'GET', path: u.pathname, query: [...u.searchParams.keys()], body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
    return emu.fetch(url, init);
  };
  return { emu, sent, client: new InstaVM({ apiKey: 'instavm_sk_contract', baseUrl: emu.baseUrl, fetch, maxRetries: 0 }) };
}

/** The contract's operation a request is, by method and path (`{}` matching one segment). */
function operationOf({ method, path }) {
  return names.find((n) => {
    const op = operations[n];
    if (op.method !== method) return false;
    const want = op.pattern.split('/');
    const have = path.split('/');
    return want.length === have.length && want.every((w, i) => (w === '{}' ? have[i] !== '' : w === have[i]));
  });
}

test('every client method sends the contract\'s request: its method, its path, only its query parameters', async () => {
  const { emu, sent, client } = await recordingClient();
  try {
    const snapshot = await client.snapshots.create({ oci_image: 'docker.io/library/alpine:3.20', name: 'contract' }, { wait: true, pollIntervalMs: 5 });
    const vm = await client.vms.create({ snapshot_id: snapshot.id });
    const calls = {
      'snapshots.list': () => client.snapshots.list({ type: 'user' }),
      'snapshots.create': () => client.snapshots.create({ oci_image: 'docker.io/library/alpine:3.20' }),
      'snapshots.get': () => client.snapshots.get(snapshot.id),
      'vms.create': () => client.vms.create({}, false),
      'vms.list': () => client.vms.list(),
      'vms.listAll': () => client.vms.listAll(),
      'vms.get': () => client.vms.get(vm.vm_id),
      'vms.update': () => client.vms.update(vm.vm_id, { memory_mb: 1024 }),
      'vms.snapshot': () => client.vms.snapshot(vm.vm_id, { name: 'from-vm' }, false),
      'vms.clone': () => client.vms.clone(vm.vm_id, { snapshot_name: 'cloned' }, false),
      'vms.stageEnv': () => client.vms.stageEnv(vm.vm_id, { TOKEN: 'x' }),
      'vms.mountVolume': () => client.vms.mountVolume(vm.vm_id, { volume_id: 'vol_1', mount_path: '/data' }, false),
      'vms.listVolumes': () => client.vms.listVolumes(vm.vm_id),
      'vms.unmountVolume': () => client.vms.unmountVolume(vm.vm_id, 'vol_1', { mount_path: '/data', wait: false }),
      'vms.suspend': () => client.vms.suspend(vm.vm_id, false),
      'vms.resume': () => client.vms.resume(vm.vm_id, false),
      'vms.delete': () => client.vms.delete(vm.vm_id),
      'snapshots.delete': () => client.snapshots.delete(snapshot.id),
    };
    assert.deepEqual(Object.keys(calls).sort(), names, 'a call for every operation of the contract');
    for (const [name, call] of Object.entries(calls)) {
      const from = sent.length;
      await call().catch(() => {}); // the request's shape is the point, not the emulator's verdict
      const mine = sent.slice(from).map((r) => ({ ...r, operation: operationOf(r) }));
      assert.ok(mine.some((r) => r.operation === name), `${name} sent ${JSON.stringify(mine)}`);
      for (const r of mine) {
        assert.ok(r.operation, `${name} sent ${r.method} ${r.path}, which is no operation of the contract`);
        for (const q of r.query) assert.ok(operations[r.operation].query.includes(q), `${name}: ${r.operation} was sent the query parameter ${q}, which the contract does not have`);
        for (const q of operations[r.operation].requiredQuery) assert.ok(r.query.includes(q), `${name}: ${r.operation} was sent without its required ${q}`);
      }
    }
  } finally {
    emu.close();
  }
});

test('a PATCH sends null for each field the contract lets it clear, no null for the others, and nothing for an undefined member', async () => {
  const { emu, sent, client } = await recordingClient();
  try {
    const vm = await client.vms.create({ snapshot_on_terminate: true, snapshot_name: 'keep-me' });
    const properties = operations['vms.update'].body.properties;
    const clearable = Object.keys(properties).filter((f) => nullable(properties[f], deref));
    assert.ok(clearable.length > 0, 'the contract lets a PATCH clear something');
    const patchOf = async (patch) => {
      const from = sent.length;
      await client.vms.update(vm.vm_id, patch).catch(() => {});
      return sent.slice(from).find((r) => r.method === 'PATCH')?.body ?? {};
    };
    for (const field of Object.keys(properties).filter((f) => f !== 'memory_mb')) {
      // memory_mb alongside, so that a dropped member still leaves a change to send.
      const sentUndefined = await patchOf({ memory_mb: 1024, [field]: undefined });
      assert.ok(!(field in sentUndefined), `${field}: undefined is not set, and the client sent ${JSON.stringify(sentUndefined)}`);
      if (field === 'snapshot_name') assert.equal((await client.vms.get(vm.vm_id)).snapshot_name, 'keep-me', 'an undefined member left the name as it was');
      const sentNull = await patchOf({ memory_mb: 1024, [field]: null });
      if (clearable.includes(field)) assert.equal(sentNull[field], null, `${field}: null clears it, and was not sent (${JSON.stringify(sentNull)})`);
      else assert.ok(!(field in sentNull), `${field}: the contract takes no null, and the client sent ${JSON.stringify(sentNull)}`);
    }
    assert.equal((await client.vms.get(vm.vm_id)).snapshot_name, null, 'the emulator cleared the name');
  } finally {
    emu.close();
  }
});

/** A valid item of each array a body check reaches into (`volumes.0`, `entries.0`). */
const ITEM_BASE = {
  'vms.create volumes': { volume_id: 'vol_1', mount_path: '/data' },
  'vms.stageEnv entries': { env_name: 'TOKEN', value: 'x' },
};

/** A body with `value` at `path` (a number in it is an array index) and the rest of it valid. */
function bodyWith(name, path, value) {
  const base = name === 'snapshots.create' ? { oci_image: 'docker.io/library/alpine:3.20' } : {};
  const body = structuredClone(base);
  let at = body;
  for (const [i, key] of path.slice(0, -1).entries()) {
    if (typeof path[i + 1] === 'number') {
      const item = ITEM_BASE[`${name} ${key}`];
      if (!item) throw new Error(`no valid item for ${name}'s ${key}: add one to ITEM_BASE`);
      at = (at[key] ??= [structuredClone(item)]);
    } else at = at[key] ??= {};
  }
  at[path.at(-1)] = value;
  return body;
}

/** The field a client error names for a body path, where the client's call is shaped otherwise than the body. */
function clientField(name, path) {
  // stageEnv takes { NAME: value } and names the variable's own field `env`.
  if (name === 'vms.stageEnv') return 'env';
  return path.at(-1);
}

/** The client call that sends `body` for operation `name` (only the operations whose bodies have bounds, enums or patterns). */
function sendBody(client, name, body, vmId) {
  switch (name) {
    case 'snapshots.create': return client.snapshots.create(body);
    case 'vms.create': return client.vms.create(body, false);
    case 'vms.update': return client.vms.update(vmId, body);
    case 'vms.mountVolume': return client.vms.mountVolume(vmId, { volume_id: 'vol_1', mount_path: '/data', ...body }, false);
    case 'vms.stageEnv': return client.vms.stageEnv(vmId, Object.fromEntries(body.entries.map((e) => [e.env_name, e.value])));
    default: throw new Error(`no call for ${name}'s body: add one here`);
  }
}

/** The client call that sends `query` for operation `name` (only the operations whose query parameters have enums or patterns). */
function sendQuery(client, name, query, vmId) {
  switch (name) {
    case 'snapshots.list': return client.snapshots.list(query);
    case 'vms.unmountVolume': return client.vms.unmountVolume(vmId, 'vol_1', { mount_path: '/data', wait: false, ...query });
    default: throw new Error(`no call for ${name}'s query: add one here`);
  }
}

/** A valid rest of the query the emulator is sent for operation `name`, where it has required parameters. */
const BASE_QUERY = { 'vms.unmountVolume': { mount_path: '/data' } };

/**
 * Strings to try against a `pattern`, `minLength` or `maxLength`: each is
 * expected to pass exactly when it fits all three (`patternOnly` when its
 * length fits and its pattern does not). Both kinds must be among them, or
 * the field is not tested and the run says so.
 */
function stringSamples({ pattern, minLength = 0, maxLength }) {
  const lengthFits = (v) => v.length >= minLength && (maxLength === undefined || v.length <= maxLength);
  const patternFits = (v) => !pattern || new RegExp(pattern, 'u').test(v);
  const samples = ['/data', '/mnt/my data', 'docker.io/library/alpine:3.20', 'alpine', 'data', 'Not Valid', '', '-x'];
  if (maxLength !== undefined) samples.push('a'.repeat(maxLength), 'a'.repeat(maxLength + 1));
  const out = samples.map((value) => ({ value, ok: lengthFits(value) && patternFits(value), patternOnly: lengthFits(value) && !patternFits(value) }));
  if (!out.some((s) => s.ok) || !out.some((s) => !s.ok)) throw new Error(`no sample both fits and breaks ${JSON.stringify({ pattern, minLength, maxLength })}: add one to stringSamples`);
  return out;
}

/**
 * Each bounded integer, enum and constrained string of a request body or
 * query: the value to send and whether it is allowed, by the API (`client:
 * false`) or by the client, which refuses some values the API would cap
 * (`x-instavm-client-maximum`). `where` is `body` or `query`.
 */
function edges({ client }) {
  const out = [];
  for (const name of names) {
    for (const [where, shape] of [['body', operations[name].body], ['query', queryAsBody(operations[name])]]) {
      const add = (path, value, ok) => out.push({ name, where, path, value, ok });
      for (const b of boundedIntegers(shape, deref)) {
        const step = b.multipleOf ?? 1;
        const max = client ? b.clientMax : b.max;
        add(b.path, b.min, true);
        add(b.path, b.min - step, false);
        // One past the minimum: allowed, unless the contract asks for a multiple (an odd memory_mb is refused).
        if (max === undefined || b.min + 1 < max) add(b.path, b.min + 1, step === 1);
        if (max !== undefined) {
          add(b.path, max, true);
          add(b.path, max + step, false);
        }
      }
      for (const e of enums(shape, deref)) {
        for (const v of e.values) add(e.path, v, true);
        add(e.path, `${e.values[0]}-not`, false);
      }
      for (const s of constrainedStrings(shape, deref)) {
        for (const { value, ok, patternOnly } of stringSamples(s)) {
          // Where the client leaves the pattern to the server, it may send what breaks only the pattern.
          if (!(client && patternOnly && !s.clientPattern)) add(s.path, value, ok);
        }
      }
    }
  }
  return out;
}

const label = (c) => `${c.name} ${c.where} ${c.path.join('.')} = ${JSON.stringify(c.value).slice(0, 60)}`;

test('the client\'s checks are the contract\'s bounds, enums and patterns, in bodies and queries: the edges pass, one step past is refused by name with nothing sent', async () => {
  const cases = edges({ client: true });
  assert.ok(cases.length >= 40, `${cases.length} cases`);
  assert.ok(cases.some((c) => c.where === 'query') && cases.some((c) => c.path.length > 1), 'query parameters and nested fields among them');
  const { emu, sent, client } = await recordingClient();
  try {
    const vm = await client.vms.create({});
    for (const c of cases) {
      const from = sent.length;
      const send = c.where === 'body' ? sendBody(client, c.name, bodyWith(c.name, c.path, c.value), vm.vm_id) : sendQuery(client, c.name, { [c.path[0]]: c.value }, vm.vm_id);
      const error = await send.then(() => undefined, (e) => e);
      const refused = error?.name === 'ValidationError' && sent.length === from;
      if (c.ok) assert.ok(!refused, `${label(c)}: the contract allows it, the client refused it: ${error?.message}`);
      else {
        assert.ok(refused, `${label(c)}: the contract refuses it, the client ${error ? `threw ${error.name}: ${error.message}` : 'sent it'}`);
        assert.ok(error.field?.endsWith(clientField(c.name, c.path)), `${label(c)}: the error names ${error.field}`);
      }
    }
  } finally {
    emu.close();
  }
});

// ------------------------------------------------------------ the emulator

test('the emulator\'s checks are the contract\'s, in bodies and queries: the edges pass, one step past is a 422 naming the field', async () => {
  const emu = await createEmulator({ buildMs: 5, bootMs: 1 });
  const call = (method, path, body) =>
    emu.fetch(`${emu.baseUrl}${path}`, { method, headers: { 'x-api-key': 'instavm_sk_contract', 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  try {
    const vm = await (await call('POST', '/v1/vms?wait=true', {})).json();
    for (const [i, c] of edges({ client: false }).entries()) {
      const op = operations[c.name];
      const query = new URLSearchParams({ ...(op.query.includes('wait') && { wait: 'false' }), ...BASE_QUERY[c.name], ...(c.where === 'query' && { [c.path[0]]: c.value }) });
      let body;
      if (c.where === 'body') {
        body = bodyWith(c.name, c.path, c.value);
        // A mount path of its own each time: a second mount at one path is a 409.
        if (c.name === 'vms.mountVolume') body = { volume_id: 'vol_1', mount_path: `/data-${i}`, ...body };
      }
      const r = await call(op.method, `${op.path.replace(/\{[^}]+\}/g, encodeURIComponent(vm.vm_id))}${query.size ? `?${query}` : ''}`, body);
      const answer = await r.json().catch(() => null);
      // A query that is allowed may still name a mount that is not there (404): only a 422 refuses it.
      if (c.ok) assert.ok(c.where === 'query' ? r.status !== 422 : r.status < 300, `${label(c)}: the contract allows it, the emulator answered ${r.status} ${JSON.stringify(answer)}`);
      else {
        assert.equal(r.status, 422, `${label(c)}: the contract refuses it, the emulator answered ${r.status} ${JSON.stringify(answer)}`);
        const locs = (answer?.detail ?? []).map((d) => d.loc?.join('.'));
        assert.ok(locs.includes(`${c.where}.${c.path.join('.')}`), `${label(c)}: the 422 names ${JSON.stringify(locs)}`);
      }
    }
  } finally {
    emu.close();
  }
});

test('the emulator\'s route table (emulator/core/src/routes.rs) is the contract\'s operations, plus its own /_emulator/ paths', () => {
  const source = readFileSync(join(root, 'emulator', 'core', 'src', 'routes.rs'), 'utf8');
  const start = source.indexOf('const ROUTES');
  const table = source.slice(start, source.indexOf('];', start));
  const entries = table.split('\n').filter((line) => line.trim().startsWith('('));
  const rows = entries.map((line) => line.match(/^\s*\("([A-Z]+)", "([^"]+)", [\w:]+\),$/)).filter(Boolean).map(([, method, pattern]) => `${method} ${pattern}`);
  assert.ok(start >= 0 && rows.length >= names.length, `routes.rs's ROUTES read as ${rows.length} rows`);
  assert.equal(rows.length, entries.length, 'every row of ROUTES in the form ("METHOD", "/path", handler), so none is skipped here');
  // The emulator's own paths (the request log its tests read) are no part of the API.
  const api = rows.filter((row) => !row.split(' ')[1].startsWith('/_emulator/'));
  assert.deepEqual(api.sort(), names.map((n) => `${operations[n].method} ${operations[n].pattern}`).sort());
});

test('the emulator routes exactly the contract\'s paths and methods (a method a path lacks is a 405 naming those it has)', async () => {
  const emu = await createEmulator({ buildMs: 5, bootMs: 1 });
  try {
    const byPath = {};
    for (const name of names) (byPath[operations[name].path] ??= []).push(operations[name].method);
    for (const [path, methods] of Object.entries(byPath)) {
      const concrete = path.replace(/\{[^}]+\}/g, 'x');
      for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
        const r = await emu.fetch(`${emu.baseUrl}${concrete}`, { method, headers: { 'x-api-key': 'instavm_sk_contract', 'content-type': 'application/json' }, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
        await r.arrayBuffer();
        if (methods.includes(method)) assert.notEqual(r.status, 405, `${method} ${path} is in the contract; the emulator answered 405`);
        else {
          assert.equal(r.status, 405, `${method} ${path} is not in the contract; the emulator answered ${r.status}`);
          const allow = r.headers.get('allow').split(',').filter((m) => m !== 'HEAD').sort();
          assert.deepEqual(allow, [...methods].sort(), `${path}: Allow`);
        }
      }
    }
  } finally {
    emu.close();
  }
});
