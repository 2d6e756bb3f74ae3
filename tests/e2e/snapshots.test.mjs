// The snapshots API end to end: the packed package, installed into a scratch
// project, against a running emulator (build time 1500 ms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InstaVM,
  InstaVMError,
  AuthenticationError,
  NotFoundError,
  SnapshotBuildFailedError,
  ValidationError,
} from 'instavm-wasm';
import { BASE_URL, freshKey, requestLog, rejection, sleep, errorText } from './helpers.mjs';

const FAST = { pollIntervalMs: 150, maxPollIntervalMs: 400, timeoutMs: 30_000 };
const client = (apiKey, extra = {}) => new InstaVM({ apiKey, baseUrl: BASE_URL, ...extra });

test('the README flow: create with build args, wait, get, list, delete', async () => {
  const key = freshKey('flow');
  const c = client(key);
  const snapshot = await c.snapshots.create({
    oci_image: 'docker.io/library/python:3.11-slim',
    name: 'python-3.11-base',
    vcpu_count: 2,
    memory_mb: 1024,
    type: 'user',
    build_args: {
      extra_apt_packages: 'git ffmpeg',
      extra_pip_packages: ['numpy', 'pandas'],
      extra_npm_packages: 'playwright',
      git_clone_url: 'https://github.com/example/repo.git',
      git_clone_branch: 'main',
      disk_size_gb: 3,
      envs: { APP_ENV: 'prod' },
      post_build_cmd: 'pip install -r /app/repo/requirements.txt',
    },
  });
  assert.match(snapshot.id, /^snap_/);
  assert.equal(snapshot.snapshot_id, snapshot.id);
  assert.equal(snapshot.snapshot_type, 'user');
  assert.equal(snapshot.build_args.extra_pip_packages, 'numpy pandas');

  const seen = [];
  const ready = await c.snapshots.waitUntilReady(snapshot.id, { ...FAST, onStatus: (s) => seen.push(s.status) });
  assert.deepEqual(seen, ['pending', 'building', 'ready']);
  assert.equal(ready.status, 'ready');
  assert.ok(ready.size_bytes > 0);

  const got = await c.snapshots.get(ready.id);
  assert.equal(got.id, ready.id);
  assert.equal(got.name, 'python-3.11-base');
  const users = await c.snapshots.list({ type: 'user' });
  assert.deepEqual(users.map((s) => s.id), [ready.id]);
  assert.deepEqual(await c.snapshots.list({ type: 'system' }), []);

  await c.snapshots.delete(ready.id);
  const e = await rejection(c.snapshots.get(ready.id));
  assert.ok(e instanceof NotFoundError, e.name);
  assert.ok(e instanceof InstaVMError);
  assert.equal(e.status, 404);
  assert.match(e.requestId, /^req_/);

  // Every POST carried an Idempotency-Key.
  const posts = (await requestLog(key)).filter((r) => r.method === 'POST');
  assert.equal(posts.length, 1);
  assert.match(posts[0].idempotency_key, /^ivm-[0-9a-f]{32}$/);
});

test('list filters by type and every record carries both id and both type fields', async () => {
  const c = client(freshKey('list'));
  const sys = await c.snapshots.create({ oci_image: 'alpine:3.20', type: 'system' });
  const usr = await c.snapshots.create({ oci_image: 'alpine:3.20' });
  const system = await c.snapshots.list({ type: 'system' });
  assert.deepEqual(system.map((s) => s.id), [sys.id]);
  assert.deepEqual(system.map((s) => s.type), ['system']);
  const all = await c.snapshots.list();
  assert.deepEqual(all.map((s) => s.id).sort(), [sys.id, usr.id].sort());
  for (const s of all) {
    assert.equal(s.snapshot_id, s.id);
    assert.equal(s.snapshot_type, s.type);
  }
});

test('create({ wait: true }) resolves with the ready snapshot, reporting each status once', async () => {
  const c = client(freshKey('createwait'));
  const seen = [];
  const ready = await c.snapshots.create({ oci_image: 'alpine' }, { wait: true, ...FAST, onStatus: (s) => seen.push(s.status) });
  assert.equal(ready.status, 'ready');
  assert.deepEqual(seen, ['pending', 'building', 'ready']);
});

test('an image on a .invalid registry fails with SnapshotBuildFailedError and its last_error', async () => {
  const c = client(freshKey('invalid'));
  const s = await c.snapshots.create({ oci_image: 'registry.example.invalid/app:1' });
  const e = await rejection(c.snapshots.waitUntilReady(s.id, FAST));
  assert.ok(e instanceof SnapshotBuildFailedError, e.name);
  assert.equal(e.snapshot.status, 'failed');
  assert.equal(e.snapshot.id, s.id);
  assert.match(e.lastError, /could not be (pulled|resolved)/);
  assert.equal(e.lastError, e.snapshot.last_error);
  assert.ok(e.message.includes(e.lastError));
});

test('a post-build command that exits 3 fails the build, naming the status', async () => {
  const c = client(freshKey('exit3'));
  const e = await rejection(
    c.snapshots.create({ oci_image: 'alpine', build_args: { post_build_cmd: 'make && exit 3' } }, { wait: true, ...FAST }),
  );
  assert.ok(e instanceof SnapshotBuildFailedError, e.name);
  assert.match(e.lastError, /status 3/);
});

test('vcpu_count 9 is refused by the client with no request sent', async () => {
  const key = freshKey('vcpu');
  const c = client(key);
  const e = await rejection(c.snapshots.create({ oci_image: 'alpine', vcpu_count: 9 }));
  assert.ok(e instanceof ValidationError, e.name);
  assert.equal(e.field, 'vcpu_count');
  assert.match(e.message, /vcpu_count/);
  assert.equal(e.status, undefined);
  assert.deepEqual(await requestLog(key), []);
});

test('other bad input names its field, before any request', async () => {
  const key = freshKey('bad');
  const c = client(key);
  const cases = [
    [{}, 'oci_image'],
    [{ oci_image: 'alpine', memory_mb: 64 }, 'memory_mb'],
    [{ oci_image: 'alpine', type: 'shared' }, 'type'],
    [{ oci_image: 'alpine', build_args: { disk_size_gb: 10 } }, 'build_args.disk_size_gb'],
    [{ oci_image: 'alpine', build_args: { extra_pip_packages: ['numpy pandas'] } }, 'build_args.extra_pip_packages[0]'],
    [{ oci_image: 'alpine', build_args: { envs: { 'BAD-NAME': 'x' } } }, 'build_args.envs'],
  ];
  for (const [params, field] of cases) {
    const e = await rejection(c.snapshots.create(params));
    assert.ok(e instanceof ValidationError, `${JSON.stringify(params)}: ${e.name}`);
    assert.equal(e.field, field);
  }
  for (const id of ['', '.', '..', 42]) {
    const e = await rejection(c.snapshots.get(id));
    assert.ok(e instanceof ValidationError);
    assert.equal(e.field, 'id');
  }
  assert.deepEqual(await requestLog(key), []);
});

test('the server refuses an invalid image reference with a 422 naming the field', async () => {
  const c = client(freshKey('oci'));
  const e = await rejection(c.snapshots.create({ oci_image: 'Not/A/Valid:Ref:' }));
  assert.ok(e instanceof ValidationError, e.name);
  assert.equal(e.status, 422);
  assert.equal(e.field, 'oci_image');
});

test("one key cannot see another key's snapshots", async () => {
  const owner = client(freshKey('owner'));
  const s = await owner.snapshots.create({ oci_image: 'alpine' });
  const other = client(freshKey('other'));
  const e = await rejection(other.snapshots.get(s.id));
  assert.ok(e instanceof NotFoundError, e.name);
  assert.deepEqual(await other.snapshots.list(), []);
  assert.ok(e instanceof NotFoundError);
  assert.ok(await rejection(other.snapshots.delete(s.id)) instanceof NotFoundError);
  assert.equal((await owner.snapshots.get(s.id)).id, s.id);
});

test('no key: the client refuses to start, and the server answers 401 as AuthenticationError', async () => {
  const e = await rejection((async () => new InstaVM({ baseUrl: BASE_URL }))());
  assert.ok(e instanceof ValidationError, e.name);
  assert.equal(e.field, 'apiKey');
  // A request that reaches the server without the header (a proxy stripped it).
  const stripping = (url, init) => {
    const stripped = new Request(url, init);
    stripped.headers.delete('X-API-Key');
    return fetch(stripped);
  };
  const c = client(freshKey('nokey'), { fetch: stripping });
  const e2 = await rejection(c.snapshots.list());
  assert.ok(e2 instanceof AuthenticationError, e2.name);
  assert.equal(e2.status, 401);
});

test('aborting mid-wait rejects with the reason and sends no further request', async () => {
  const key = freshKey('abort');
  const c = client(key);
  const s = await c.snapshots.create({ oci_image: 'alpine' });
  const controller = new AbortController();
  const reason = new Error('user cancelled');
  const wait = c.snapshots.waitUntilReady(s.id, {
    ...FAST,
    signal: controller.signal,
    onStatus: (x) => x.status === 'pending' && setTimeout(() => controller.abort(reason), 200),
  });
  const e = await rejection(wait);
  assert.equal(e, reason);
  const after = (await requestLog(key)).length;
  await sleep(1000);
  assert.equal((await requestLog(key)).length, after, 'no request after the abort');
});

test('watch yields each status, ends at ready, and stops polling when left early', async () => {
  const key = freshKey('watch');
  const c = client(key);
  const s = await c.snapshots.create({ oci_image: 'alpine' });
  const statuses = [];
  for await (const x of c.snapshots.watch(s.id, FAST)) statuses.push(x.status);
  assert.deepEqual(statuses, ['pending', 'building', 'ready']);

  const t = await c.snapshots.create({ oci_image: 'alpine' });
  for await (const x of c.snapshots.watch(t.id, FAST)) {
    assert.equal(x.status, 'pending');
    break;
  }
  const after = (await requestLog(key)).length;
  await sleep(800);
  assert.equal((await requestLog(key)).length, after, 'no poll after leaving the loop');
});

test('a wait past its deadline rejects with TimeoutError carrying the last snapshot', async () => {
  const c = client(freshKey('deadline'));
  const s = await c.snapshots.create({ oci_image: 'alpine' });
  const e = await rejection(c.snapshots.waitUntilReady(s.id, { pollIntervalMs: 100, timeoutMs: 400 }));
  assert.equal(e.name, 'TimeoutError');
  assert.ok(['pending', 'building'].includes(e.snapshot.status));
});

test('ids are one encoded path segment and a trailing slash on baseUrl is normalised', async () => {
  const key = freshKey('paths');
  const c = new InstaVM({ apiKey: key, baseUrl: `${BASE_URL}/` });
  const e = await rejection(c.snapshots.get('a/b?c#d'));
  assert.ok(e instanceof NotFoundError, e.name);
  await c.snapshots.list();
  const paths = (await requestLog(key)).map((r) => r.path);
  assert.deepEqual(paths, ['/v1/snapshots/a%2Fb%3Fc%23d', '/v1/snapshots']);
});

test('the API key appears in no error', async () => {
  const key = freshKey('secret');
  const c = client(key);
  const errors = [
    await rejection(c.snapshots.get('missing')),
    await rejection(c.snapshots.create({ oci_image: 'alpine', vcpu_count: 0 })),
    await rejection(c.snapshots.create({ oci_image: 'Bad Ref' })),
    await rejection(client(key, { baseUrl: 'http://127.0.0.1:9' }).snapshots.list()),
    await rejection((async () => new InstaVM({ apiKey: `${key}\n`, baseUrl: BASE_URL }))()),
  ];
  for (const e of errors) {
    assert.ok(e instanceof InstaVMError, e.name);
    assert.ok(!errorText(e).includes(key), `${e.name} leaks the key`);
  }
  assert.equal(errors[3].name, 'NetworkError');
  assert.equal(JSON.stringify(c).includes(key), false);
});
