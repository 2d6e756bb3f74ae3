// The VM API end to end: the packed package against a running emulator
// (VM boot 300 ms, snapshot build 1500 ms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstaVM, ConflictError, NotFoundError, SnapshotBuildFailedError, ValidationError, InstaVMError } from 'instavm-wasm';
import { BASE_URL, freshKey, requestLog, rejection, errorText, sleep } from './helpers.mjs';

const FAST = { pollIntervalMs: 150, maxPollIntervalMs: 400, timeoutMs: 30_000 };
const client = (apiKey) => new InstaVM({ apiKey, baseUrl: BASE_URL });

test('the whole lifecycle: create, snapshot, boot from it, clone, suspend, resume, update, delete', async () => {
  const c = client(freshKey('vmflow'));
  const vm = await c.vms.create({ vcpu_count: 2, memory_mb: 1024, metadata: { team: 'e2e' } }, true);
  assert.match(vm.vm_id, /^vm_/);
  assert.equal(vm.id, vm.vm_id);
  assert.equal(vm.status, 'active');
  assert.equal(vm.metadata.team, 'e2e');

  assert.deepEqual((await c.vms.list()).map((v) => v.vm_id), [vm.vm_id]);
  assert.equal((await c.vms.get(vm.vm_id)).memory_mb, 1024);

  const statuses = [];
  const snap = await c.vms.snapshot(vm.vm_id, { name: 'python-ml-environment' }, { ...FAST, onStatus: (s) => statuses.push(s.status) });
  assert.equal(snap.status, 'ready');
  assert.equal(snap.snapshot_id, snap.id);
  assert.deepEqual(statuses, ['pending', 'building', 'ready']);
  assert.ok((await c.snapshots.list()).some((s) => s.id === snap.id), 'a VM snapshot appears in GET /v1/snapshots');

  const booted = await c.vms.create({ snapshot_id: snap.id }, true);
  assert.equal(booted.snapshot_id, snap.id);
  assert.equal(booted.status, 'active');

  const cloned = await c.vms.clone(booted.vm_id, { snapshot_name: 'clone-base' }, true);
  assert.notEqual(cloned.vm_id, booted.vm_id);
  assert.equal(cloned.status, 'active');

  const suspending = await c.vms.suspend(cloned.vm_id);
  assert.equal(suspending.status, 'suspending');
  await sleep(400);
  assert.equal((await c.vms.get(cloned.vm_id)).status, 'suspended');
  assert.ok(!(await c.vms.list()).some((v) => v.vm_id === cloned.vm_id), 'a suspended VM is not running');

  const resumed = await c.vms.resume(cloned.vm_id, true);
  assert.notEqual(resumed.vm_id, cloned.vm_id, 'resume mints a new id');
  assert.equal(resumed.resumed_from, cloned.vm_id);
  assert.equal(resumed.status, 'active');

  assert.ok(await c.vms.update(resumed.vm_id, { memory_mb: 2048, auto_suspend: true }));
  assert.equal((await c.vms.get(resumed.vm_id)).memory_mb, 2048);

  await c.vms.delete(resumed.vm_id);
  const all = await c.vms.listAll();
  assert.equal(all.find((v) => v.vm_id === resumed.vm_id).status, 'terminated');
  assert.ok(!(await c.vms.list()).some((v) => v.vm_id === resumed.vm_id));
});

test("the official SDK's documented calls work unchanged", async () => {
  const client = new InstaVM({ apiKey: freshKey('official'), baseUrl: BASE_URL });
  const vm = await client.vms.create({}, true);
  const snap = await client.vms.snapshot(vm.vm_id, { name: 'python-ml-environment' }, true);
  assert.ok(snap.snapshot_id || snap.id);
  assert.equal(snap.status, 'ready');
  // The key alone works too (the cloud URL is the default when INSTAVM_BASE_URL
  // is unset: check it is what would be called).
  const calls = [];
  const saved = process.env.INSTAVM_BASE_URL;
  delete process.env.INSTAVM_BASE_URL;
  let bare;
  try {
    bare = new InstaVM({ apiKey: 'instavm_sk_x', fetch: async (url) => { calls.push(url); return new Response('[]'); } });
  } finally {
    process.env.INSTAVM_BASE_URL = saved;
  }
  await bare.vms.list();
  assert.deepEqual(calls, ['https://api.instavm.io/v1/vms']);
});

test('wait=false answers at once and the VM becomes live by itself', async () => {
  const c = client(freshKey('nowait'));
  const vm = await c.vms.create({}, false);
  assert.equal(vm.status, 'creating');
  await sleep(500);
  assert.equal((await c.vms.get(vm.vm_id)).status, 'active');
  const waited = await c.vms.create({}, { wait: true, ...FAST });
  assert.equal(waited.status, 'active');
});

test('a failed VM snapshot rejects with SnapshotBuildFailedError while the VM stays healthy', async () => {
  const c = client(freshKey('snapfail'));
  const vm = await c.vms.create({}, true);
  const e = await rejection(c.vms.snapshot(vm.vm_id, { name: 'broken.fail' }, { ...FAST }));
  assert.ok(e instanceof SnapshotBuildFailedError, e.name);
  assert.equal(e.snapshot.status, 'failed');
  assert.match(e.lastError, /failed/);
  assert.equal((await c.vms.get(vm.vm_id)).status, 'active');
});

test('booting from a snapshot that is not ready is a 409; from an unknown one a 404', async () => {
  const c = client(freshKey('notready'));
  const s = await c.snapshots.create({ oci_image: 'alpine' });
  const e = await rejection(c.vms.create({ snapshot_id: s.id }, true));
  assert.ok(e instanceof ConflictError, e.name);
  assert.match(e.message, /ready/);
  const e2 = await rejection(c.vms.create({ snapshot_id: 'snap_missing' }, true));
  assert.ok(e2 instanceof NotFoundError, e2.name);
});

test('VM input is checked before any request, naming the field', async () => {
  const key = freshKey('vmbad');
  const c = client(key);
  const cases = [
    [() => c.vms.create({ vcpu_count: 9 }), 'vcpu_count'],
    [() => c.vms.create({ memory_mb: 1025 }), 'memory_mb'],
    [() => c.vms.create({ vm_lifetime_seconds: 10 }), 'vm_lifetime_seconds'],
    [() => c.vms.create({ image_variant: 'windows' }), 'image_variant'],
    [() => c.vms.create({ volumes: [{ volume_id: 'v', mount_path: '/d', mode: 'rw', checkpoint_id: 'c' }] }), 'volumes[0].checkpoint_id'],
    [() => c.vms.create({ egress_policy: { allowed_cidrs: ['nope'] } }), 'egress_policy.allowed_cidrs[0]'],
    [() => c.vms.create({}, 'yes'), 'wait'],
    [() => c.vms.get('..'), 'vmId'],
    [() => c.vms.update('vm_x', { memory_mb: 3 }), 'memory_mb'],
    [() => c.vms.stageEnv('vm_x', { '1BAD': 'v' }), 'env'],
    [() => c.vms.mountVolume('vm_x', { volume_id: 'v', mount_path: 'relative' }), 'mount_path'],
  ];
  for (const [call, field] of cases) {
    const e = await rejection(call());
    assert.ok(e instanceof ValidationError, `${field}: ${e.name}`);
    assert.equal(e.field, field);
  }
  assert.deepEqual(await requestLog(key), []);
});

test('unknown VMs are 404s, and one key cannot see another key\'s VMs', async () => {
  const owner = client(freshKey('vmowner'));
  const vm = await owner.vms.create({}, true);
  const other = client(freshKey('vmother'));
  assert.ok((await rejection(other.vms.get(vm.vm_id))) instanceof NotFoundError);
  assert.ok((await rejection(other.vms.delete(vm.vm_id))) instanceof NotFoundError);
  assert.deepEqual(await other.vms.listAll(), []);
  assert.ok((await rejection(owner.vms.suspend('vm_nope'))) instanceof NotFoundError);
});

test('stageEnv values are never returned, stored or shown in an error', async () => {
  const key = freshKey('stage');
  const c = client(key);
  const vm = await c.vms.create({}, true);
  const secret = 'sk-live-very-secret-value';
  const result = await c.vms.stageEnv(vm.vm_id, { API_TOKEN: secret });
  assert.ok(!JSON.stringify(result).includes(secret));
  assert.ok(!JSON.stringify(await c.vms.get(vm.vm_id)).includes(secret));
  const e = await rejection(c.vms.stageEnv('vm_missing', { API_TOKEN: secret }));
  assert.ok(e instanceof NotFoundError);
  const e2 = await rejection(c.vms.stageEnv(vm.vm_id, { API_TOKEN: secret, 'BAD NAME': secret }));
  for (const err of [e, e2]) assert.ok(!errorText(err).includes(secret), `${err.name} shows the value`);
});

test('volumes mount, list and unmount; a checkpoint mounts read-only', async () => {
  const c = client(freshKey('volumes'));
  const vm = await c.vms.create({}, true);
  const m = await c.vms.mountVolume(vm.vm_id, { volume_id: 'vol_1', mount_path: '/data' });
  assert.equal(m.status, 'mounted');
  assert.equal(m.mode, 'rw');
  await c.vms.mountVolume(vm.vm_id, { volume_id: 'vol_2', mount_path: '/ckpt', mode: 'ro', checkpoint_id: 'ckpt_1' }, true);
  assert.deepEqual((await c.vms.listVolumes(vm.vm_id)).map((v) => v.mount_path), ['/data', '/ckpt']);
  await c.vms.unmountVolume(vm.vm_id, 'vol_1', { mount_path: '/data' });
  assert.deepEqual((await c.vms.listVolumes(vm.vm_id)).map((v) => v.volume_id), ['vol_2']);
  assert.ok((await rejection(c.vms.unmountVolume(vm.vm_id, 'vol_1', { mount_path: '/data' }))) instanceof NotFoundError);
});

test('a create whose answer is lost is found by its idempotency key, not made twice', async () => {
  const key = freshKey('ambiguous');
  let dropped = 0;
  // The first POST reaches the server, but its answer is "lost" on the way back.
  const lossy = async (url, init) => {
    const response = await fetch(url, init);
    if (init.method === 'POST' && dropped++ === 0) throw new TypeError('fetch failed (connection reset)');
    return response;
  };
  const c = new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch: lossy });
  const vm = await c.vms.create({}, true);
  assert.equal(vm.status, 'active');
  const all = await c.vms.listAll();
  assert.equal(all.length, 1, 'exactly one VM exists');
  assert.equal(all[0].vm_id, vm.vm_id);
  const posts = (await requestLog(key)).filter((r) => r.method === 'POST');
  assert.equal(posts.length, 1, 'the create was not repeated');
});

test('VM errors are InstaVMError subclasses that never carry the key', async () => {
  const key = freshKey('vmsecret');
  const c = client(key);
  const errors = [await rejection(c.vms.get('vm_missing')), await rejection(c.vms.create({ vcpu_count: 0 }))];
  for (const e of errors) {
    assert.ok(e instanceof InstaVMError);
    assert.ok(!errorText(e).includes(key));
  }
});
