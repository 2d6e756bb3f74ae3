// Hostile and malformed input to every public method and option. Where the
// client can tell, it refuses with a ValidationError naming the field and
// sends nothing; what it cannot judge reaches the emulator, which must answer
// 2xx or 4xx, never 5xx. Every error is scanned for the API key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstaVM, InstaVMError, ValidationError } from 'instavm-wasm';
import { BASE_URL, freshKey, requestLog, errorText } from './helpers.mjs';

const huge = 'x'.repeat(2_000_000);
const key = freshKey('hostile');
const c = new InstaVM({ apiKey: key, baseUrl: BASE_URL, maxRetries: 0 });
const s = c.snapshots;
const v = c.vms;
const proto = JSON.parse('{"__proto__": "polluted"}');
const ctor = { constructor: 'x' };

// [label, call, field the ValidationError must name]
const refused = [
  ['options: not an object', () => new InstaVM(42), 'options'],
  ['apiKey: CR/LF injection', () => new InstaVM({ apiKey: 'k\r\nX-Evil: 1', baseUrl: BASE_URL }), 'apiKey'],
  ['apiKey: unicode', () => new InstaVM({ apiKey: 'клю', baseUrl: BASE_URL }), 'apiKey'],
  ['apiKey: array', () => new InstaVM({ apiKey: ['k'], baseUrl: BASE_URL }), 'apiKey'],
  // A path with no page to resolve it against: refused on the first call (a page's module may be prerendered on a server).
  ['baseUrl: relative', () => new InstaVM({ apiKey: 'k', baseUrl: '/v1' }).snapshots.list(), 'baseUrl'],
  ['baseUrl: javascript:', () => new InstaVM({ apiKey: 'k', baseUrl: 'javascript:alert(1)' }), 'baseUrl'],
  ['baseUrl: newline', () => new InstaVM({ apiKey: 'k', baseUrl: 'http://a\n.b' }), 'baseUrl'],
  ['timeoutMs: NaN', () => new InstaVM({ apiKey: 'k', timeoutMs: NaN }), 'timeoutMs'],
  ['timeoutMs: Infinity', () => new InstaVM({ apiKey: 'k', timeoutMs: Infinity }), 'timeoutMs'],
  ['timeoutMs: negative', () => new InstaVM({ apiKey: 'k', timeoutMs: -1 }), 'timeoutMs'],
  ['maxRetries: fractional', () => new InstaVM({ apiKey: 'k', maxRetries: 0.5 }), 'maxRetries'],
  ['maxRetries: string', () => new InstaVM({ apiKey: 'k', maxRetries: '2' }), 'maxRetries'],
  ['fetch: not a function', () => new InstaVM({ apiKey: 'k', fetch: {} }), 'fetch'],
  ['headers: CR/LF value', () => new InstaVM({ apiKey: 'k', headers: { 'X-A': 'a\r\nb' } }), 'headers.X-A'],
  ['headers: bad name', () => new InstaVM({ apiKey: 'k', headers: { 'bad name': 'v' } }), 'headers.bad name'],
  ['headers: array', () => new InstaVM({ apiKey: 'k', headers: ['X-A', 'v'] }), 'headers'],
  ['headers: constructor key, number value', () => new InstaVM({ apiKey: 'k', headers: { constructor: 5 } }), 'headers.constructor'],
  ['create: null params', () => s.create(null), 'params'],
  ['create: oci_image array', () => s.create({ oci_image: ['alpine'] }), 'oci_image'],
  ['create: oci_image huge', () => s.create({ oci_image: huge }), 'oci_image'],
  ['create: oci_image newline', () => s.create({ oci_image: 'alpine\n' }), 'oci_image'],
  ['create: vcpu_count NaN', () => s.create({ oci_image: 'alpine', vcpu_count: NaN }), 'vcpu_count'],
  ['create: vcpu_count Infinity', () => s.create({ oci_image: 'alpine', vcpu_count: Infinity }), 'vcpu_count'],
  ['create: vcpu_count -1', () => s.create({ oci_image: 'alpine', vcpu_count: -1 }), 'vcpu_count'],
  ['create: vcpu_count 1.5', () => s.create({ oci_image: 'alpine', vcpu_count: 1.5 }), 'vcpu_count'],
  ['create: memory_mb string', () => s.create({ oci_image: 'alpine', memory_mb: '1024' }), 'memory_mb'],
  ['create: type unicode', () => s.create({ oci_image: 'alpine', type: 'usér' }), 'type'],
  ['create: name object', () => s.create({ oci_image: 'alpine', name: {} }), 'name'],
  ['create: build_args string', () => s.create({ oci_image: 'alpine', build_args: 'x' }), 'build_args'],
  ['create: packages array with spaces', () => s.create({ oci_image: 'alpine', build_args: { extra_apt_packages: ['git ffmpeg'] } }), 'build_args.extra_apt_packages[0]'],
  ['create: packages number', () => s.create({ oci_image: 'alpine', build_args: { extra_pip_packages: 7 } }), 'build_args.extra_pip_packages'],
  ['create: a package name with a shell metacharacter', () => s.create({ oci_image: 'alpine', build_args: { extra_pip_packages: 'numpy $(curl evil)' } }), 'build_args.extra_pip_packages'],
  ['ensure: a package redirecting the shell', () => s.ensure({ oci_image: 'alpine', build_args: { extra_pip_packages: ['numpy>=2'] } }), 'build_args.extra_pip_packages[0]'],
  ['ensure: rebuildFailed not a boolean', () => s.ensure({ oci_image: 'alpine' }, { rebuildFailed: 'no' }), 'rebuildFailed'],
  ['create: disk 10', () => s.create({ oci_image: 'alpine', build_args: { disk_size_gb: 10 } }), 'build_args.disk_size_gb'],
  ['create: envs array', () => s.create({ oci_image: 'alpine', build_args: { envs: ['A=b'] } }), 'build_args.envs'],
  ['create: envs value number', () => s.create({ oci_image: 'alpine', build_args: { envs: { A: 1 } } }), 'build_args.envs.A'],
  ['create: envs name with newline', () => s.create({ oci_image: 'alpine', build_args: { envs: { 'A\nB': 'x' } } }), 'build_args.envs'],
  ['create: unknown key holds a function', () => s.create({ oci_image: 'alpine', extra: () => 1 }), 'extra'],
  ['create: wait options with NaN timeout', () => s.create({ oci_image: 'alpine' }, { wait: true, timeoutMs: NaN }), 'timeoutMs'],
  ['get: id with slash stays one segment? no: empty', () => s.get(''), 'id'],
  ['get: id ..', () => s.get('..'), 'id'],
  ['get: id number', () => s.get(42), 'id'],
  ['get: id null', () => s.get(null), 'id'],
  ['get: id object', () => s.get({ id: 'x' }), 'id'],
  ['delete: id .', () => s.delete('.'), 'id'],
  ['list: type other', () => s.list({ type: 'admin' }), 'type'],
  ['list: query string', () => s.list('user'), 'query'],
  ['list: options signal not a signal', () => s.list(null, { signal: 'stop' }), 'signal'],
  ['get: per-call timeout negative', () => s.get('x', { timeoutMs: -5 }), 'timeoutMs'],
  ['waitUntilReady: onStatus not a function', () => s.waitUntilReady('x', { onStatus: 'log' }), 'onStatus'],
  ['waitUntilReady: max below interval', () => s.waitUntilReady('x', { pollIntervalMs: 500, maxPollIntervalMs: 10 }), 'maxPollIntervalMs'],
  ['vms.create: memory odd', () => v.create({ memory_mb: 1001 }), 'memory_mb'],
  ['vms.create: metadata array', () => v.create({ metadata: [] }), 'metadata'],
  ['vms.create: wait string', () => v.create({}, 'true'), 'wait'],
  ['vms.create: volume path relative', () => v.create({ volumes: [{ volume_id: 'v', mount_path: 'data' }] }), 'volumes[0].mount_path'],
  ['vms.get: id with newline? no: id ..', () => v.get('..'), 'vmId'],
  ['vms.update: empty patch', () => v.update('vm_x', {}), 'patch'],
  ['vms.stageEnv: __proto__ only object value', () => v.stageEnv('vm_x', { A: { nested: true } }), 'env.A'],
  ['vms.stageEnv: constructor name, number value', () => v.stageEnv('vm_x', { constructor: 1 }), 'env.constructor'],
  ['vms.unmountVolume: volume id ..', () => v.unmountVolume('vm_x', '..'), 'volumeId'],
  // A key the API does not have is a typo as far as the client can tell,
  // whatever its name (`constructor` is plain data, never the prototype's).
  ['create: constructor key at the top level', () => s.create({ oci_image: 'alpine', ...ctor }), 'constructor'],
];

// [label, call]: input the client cannot judge; it reaches the server.
const reaches = [
  ['get: id with / ? # % and newline', () => s.get('a/b?c#d%e\nf')],
  ['get: unicode id', () => s.get('snap_ünïcødé_😀')],
  ['create: __proto__ env name (plain data)', () => s.create({ oci_image: 'alpine', build_args: { envs: proto } })],
  ['create: unicode name', () => s.create({ oci_image: 'alpine', name: 'имя 😀' })],
  ['vms.get: unknown id with %', () => v.get('vm_%00')],
  ['vms.stageEnv: __proto__ env name', () => v.stageEnv('vm_missing', proto)],
];

test(`${refused.length} hostile inputs are refused, naming the field, with nothing sent`, async () => {
  assert.ok(refused.length + reaches.length >= 40);
  for (const [label, call] of refused) {
    let error;
    try {
      await call();
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ValidationError, `${label}: got ${error?.name ?? 'no error'}`);
    assert.equal(error.field, refused.find((r) => r[0] === label)[2], label);
    assert.ok(!errorText(error).includes(key), `${label}: the key leaked`);
  }
  assert.deepEqual(await requestLog(key), [], 'no refused input reached the network');
  assert.equal(Object.prototype.polluted, undefined);
});

test(`${reaches.length} inputs the client cannot judge get a 2xx or 4xx, never a 5xx`, async () => {
  for (const [label, call] of reaches) {
    try {
      await call();
    } catch (e) {
      assert.ok(e instanceof InstaVMError, `${label}: ${e?.name}`);
      assert.ok(e.status >= 400 && e.status < 500, `${label}: status ${e.status}`);
      assert.ok(!errorText(e).includes(key));
    }
  }
  const log = await requestLog(key);
  assert.equal(log.length, reaches.length);
  assert.equal(Object.prototype.polluted, undefined, 'no prototype was polluted');
});
