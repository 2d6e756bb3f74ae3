// `Image` and `snapshots.ensure` end to end: the packed package against the
// emulator (builds take 1500 ms). POSTs are counted from the emulator's
// request log, per key, so each test sees only its own traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstaVM, Image, SnapshotBuildFailedError, ValidationError } from 'instavm-wasm';
import { createEmulator } from 'instavm-wasm/testing';
import { BASE_URL, freshKey, requestLog, rejection, sleep } from './helpers.mjs';

const FAST = { pollIntervalMs: 100, maxPollIntervalMs: 300, timeoutMs: 30_000 };
const PYTHON = 'docker.io/library/python:3.11-slim';
const client = (apiKey, extra = {}) => new InstaVM({ apiKey, baseUrl: BASE_URL, ...extra });
const posts = async (key) => (await requestLog(key)).filter((r) => r.method === 'POST' && r.path === '/v1/snapshots');

test('the same spec in another call order: same fingerprint, same snapshot, no second POST', async () => {
  const key = freshKey('ensure-order');
  const c = client(key);
  const a = Image.from(PYTHON).aptInstall('git', 'curl').pipInstall('numpy').env({ B: '2', A: '1' }).run('make').run('make test').disk(2);
  const b = Image.from(PYTHON).disk(2).run('make').env({ A: '1' }).pipInstall('numpy').env({ B: '2' }).run('make test').aptInstall('curl', 'git', 'git');
  assert.equal(a.fingerprint(), b.fingerprint());
  assert.match(a.fingerprint(), /^[0-9a-f]{64}$/);

  const first = await c.snapshots.ensure(a, { name: 'py', ...FAST });
  assert.equal(first.status, 'ready');
  assert.equal(first.name, `py-${a.fingerprint().slice(0, 12)}`);
  assert.equal(first.reused, false);
  assert.equal(first.build_args.extra_apt_packages, 'curl git');
  assert.equal(first.build_args.post_build_cmd, 'make && make test');
  assert.equal((await posts(key)).length, 1);

  const second = await c.snapshots.ensure(b, { name: 'py', ...FAST });
  assert.equal(second.id, first.id);
  assert.equal(second.reused, true);
  assert.equal((await posts(key)).length, 1, 'the second ensure sent no POST /v1/snapshots');
  const named = (await c.snapshots.list()).filter((s) => s.name === first.name);
  assert.equal(named.length, 1);
});

test('plain params give the fingerprint of the equivalent Image, and ensure reuses across the two', async () => {
  const key = freshKey('ensure-params');
  const c = client(key);
  const image = Image.from(PYTHON).npmInstall('left-pad').gitClone('https://github.com/example/repo.git', { branch: 'main' });
  const params = {
    oci_image: PYTHON,
    vcpu_count: 2,
    build_args: { extra_npm_packages: ['left-pad'], git_clone_url: 'https://github.com/example/repo.git', git_clone_branch: 'main' },
  };
  const viaImage = await c.snapshots.ensure(image, { vcpu_count: 2, ...FAST });
  const viaParams = await c.snapshots.ensure(params, FAST);
  assert.equal(viaParams.id, viaImage.id);
  assert.equal(viaImage.name, `image-${image.fingerprint({ vcpu_count: 2 }).slice(0, 12)}`);
  assert.deepEqual(image.toParams({ name: 'n', vcpu_count: 2 }), { ...params, name: 'n', build_args: { extra_npm_packages: 'left-pad', git_clone_url: params.build_args.git_clone_url, git_clone_branch: 'main' } });
});

test('another vcpu_count or one more package: another snapshot', async () => {
  const key = freshKey('ensure-differs');
  const c = client(key);
  const base = Image.from(PYTHON).pipInstall('numpy');
  const one = await c.snapshots.ensure(base, { vcpu_count: 2, ...FAST });
  const cpus = await c.snapshots.ensure(base, { vcpu_count: 4, ...FAST });
  const pkg = await c.snapshots.ensure(base.pipInstall('pandas'), { vcpu_count: 2, ...FAST });
  assert.equal(new Set([one.id, cpus.id, pkg.id]).size, 3);
  assert.equal(cpus.vcpu_count, 4);
  assert.equal((await posts(key)).length, 3);
});

test('8 concurrent ensures from 8 clients on a new spec: one snapshot, all ready with its id', async () => {
  const key = freshKey('ensure-8');
  const image = Image.from(PYTHON).aptInstall('jq').run(`echo ${key}`);
  const results = await Promise.all(Array.from({ length: 8 }, () => client(key).snapshots.ensure(image, FAST)));
  const ids = new Set(results.map((s) => s.id));
  assert.equal(ids.size, 1, [...ids].join(' '));
  assert.ok(results.every((s) => s.status === 'ready'));
  assert.equal(results.filter((s) => !s.reused).length, 1, 'exactly one call started the build');
  const named = (await client(key).snapshots.list()).filter((s) => s.name === results[0].name);
  assert.equal(named.length, 1, 'one snapshot on the server');
});

test('8 concurrent ensures under faults (the POST reset after the server acted, 429, 503, 500): still one snapshot', async () => {
  const key = freshKey('ensure-8-faults');
  const image = Image.from(PYTHON).aptInstall('jq').run(`echo faults ${key}`);
  // Every client's first POST is reset after the server acted; its other
  // requests meet a 429, 503 or 500 one time in four, from a fixed sequence.
  const kinds = ['429', 'none', '503', 'none', 'none', '500', 'none', 'none'];
  const faulty = (i) => {
    let n = i;
    let postReset = false;
    return (url, init) => {
      const kind = init.method === 'POST' && !postReset ? ((postReset = true), 'reset') : kinds[n++ % kinds.length];
      const faulted = new Request(url, init);
      faulted.headers.set('X-Emulator-Fault', kind);
      return fetch(faulted);
    };
  };
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => client(key, { fetch: faulty(i), maxRetries: 4 }).snapshots.ensure(image, FAST)));
  assert.equal(new Set(results.map((s) => s.id)).size, 1);
  assert.ok(results.every((s) => s.status === 'ready'));
  const named = (await client(key).snapshots.list()).filter((s) => s.name === results[0].name);
  assert.equal(named.length, 1, 'one snapshot on the server');
  const log = await requestLog(key);
  assert.ok(log.some((r) => r.method === 'POST'), 'the faults reached the creates');
});

test('a failing image: SnapshotBuildFailedError; a second ensure rebuilds; rebuildFailed: false rejects at once', async () => {
  const key = freshKey('ensure-fail');
  const c = client(key);
  const broken = Image.from('registry.invalid/app:1');
  const e1 = await rejection(c.snapshots.ensure(broken, FAST));
  assert.ok(e1 instanceof SnapshotBuildFailedError, e1.name);
  assert.ok(e1.snapshot.id);
  assert.equal((await posts(key)).length, 1);

  const before = (await requestLog(key)).length;
  const e2 = await rejection(c.snapshots.ensure(broken, { ...FAST, rebuildFailed: false }));
  assert.ok(e2 instanceof SnapshotBuildFailedError, e2.name);
  assert.equal(e2.snapshot.id, e1.snapshot.id);
  const log = (await requestLog(key)).slice(before);
  assert.deepEqual(log.map((r) => r.method), ['GET'], 'one listing, no POST and no poll');

  const e3 = await rejection(c.snapshots.ensure(broken, FAST));
  assert.ok(e3 instanceof SnapshotBuildFailedError);
  assert.notEqual(e3.snapshot.id, e1.snapshot.id, 'rebuilt');
  assert.equal((await posts(key)).length, 2);
});

test('an abort during the wait rejects with the signal reason, and no request follows it', async () => {
  const key = freshKey('ensure-abort');
  const controller = new AbortController();
  const reason = new Error('deploy cancelled');
  const onStatus = (s) => {
    if (s.status === 'building') controller.abort(reason);
  };
  const e = await rejection(client(key).snapshots.ensure(Image.from(PYTHON).run(`echo ${key}`), { ...FAST, signal: controller.signal, onStatus }));
  assert.equal(e, reason);
  const count = (await requestLog(key)).length;
  await sleep(700);
  assert.equal((await requestLog(key)).length, count, 'nothing was sent after the abort');
});

for (const idempotency of [false, true]) {
  test(`a snapshot deleted after an ensure is built again (replay ${idempotency ? 'on: the key replay of the deleted one is moved past' : 'off'})`, async () => {
    const emu = await createEmulator({ buildMs: 300, bootMs: 50, idempotency });
    const c = new InstaVM({ apiKey: 'test', baseUrl: emu.baseUrl, fetch: emu.fetch });
    const image = Image.from(PYTHON).pipInstall('requests');
    const first = await c.snapshots.ensure(image, FAST);
    await c.snapshots.delete(first.id);
    const again = await c.snapshots.ensure(image, FAST);
    assert.notEqual(again.id, first.id);
    assert.equal(again.status, 'ready');
    assert.equal(again.name, first.name);
    assert.equal((await c.snapshots.list()).length, 1);
    emu.close();
  });
}

test('Image methods check their input at once, with the create field names', () => {
  const field = (f) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof ValidationError, e.name);
      return e.field;
    }
    assert.fail('expected a ValidationError');
  };
  const image = Image.from(PYTHON);
  assert.equal(field(() => image.disk(9)), 'build_args.disk_size_gb');
  assert.equal(field(() => image.aptInstall('git', 'a b')), 'build_args.extra_apt_packages[1]');
  assert.equal(field(() => image.pipInstall('x;rm -rf /')), 'build_args.extra_pip_packages[0]');
  assert.equal(field(() => image.npmInstall('$(id)')), 'build_args.extra_npm_packages[0]');
  assert.equal(field(() => image.env({ '1A': 'x' })), 'build_args.envs');
  assert.equal(field(() => image.gitClone('a b')), 'build_args.git_clone_url');
  assert.equal(field(() => image.gitClone('https://example.com/app.git', 'main')), 'options', 'a branch is passed as { branch }');
  // Each step is a named method with its arity, as written in index.d.ts.
  assert.deepEqual(['gitClone', 'env', 'run', 'disk', 'aptInstall'].map((m) => [Image.prototype[m].name, Image.prototype[m].length]), [['gitClone', 2], ['env', 1], ['run', 1], ['disk', 1], ['aptInstall', 0]]);
  assert.equal('step' in image, false, 'the shared export is no method of its own');
  assert.equal(field(() => Image.from('')), 'oci_image');
  assert.equal(field(() => image.toParams({ vcpu_count: 9 })), 'vcpu_count');
  // Immutable: a failed or successful step leaves the original as it was.
  const more = image.aptInstall('git');
  assert.notEqual(more, image);
  assert.equal(image.toParams().build_args, undefined);
  assert.equal(more.toParams().build_args.extra_apt_packages, 'git');
});

test('snapshots.create accepts an Image with the create options', async () => {
  const key = freshKey('ensure-create');
  const c = client(key);
  const s = await c.snapshots.create(Image.from(PYTHON).aptInstall('git').run('a').run('b'), { name: 'made', vcpu_count: 3, wait: true, ...FAST });
  assert.equal(s.status, 'ready');
  assert.equal(s.name, 'made');
  assert.equal(s.vcpu_count, 3);
  assert.equal(s.build_args.post_build_cmd, 'a && b');
});
