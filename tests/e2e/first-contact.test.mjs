// The first five minutes with the installed package: environment defaults,
// mistakes refused by name before anything is sent (with the key that was
// meant), the one documented way past the check (`extraBody`/`extraQuery`),
// errors that print readably, and Image's names-or-arrays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { InstaVM, Image, NetworkError, ValidationError } from 'instavm-wasm';
import { BASE_URL, freshKey, requestLog, rejection } from './helpers.mjs';

/** Runs `fn` with these environment variables set (undefined deletes), then restores them. */
function withEnv(vars, fn) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const put = (k, v) => (v === undefined ? delete process.env[k] : (process.env[k] = v));
  for (const [k, v] of Object.entries(vars)) put(k, v);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) put(k, v);
  }
}

/** The ValidationError that `fn` throws (synchronously or as a rejection). */
async function refusal(fn) {
  let e;
  try {
    await fn();
  } catch (thrown) {
    e = thrown;
  }
  assert.ok(e instanceof ValidationError, `expected a ValidationError, got ${e}`);
  return e;
}

test('new InstaVM() reads INSTAVM_API_KEY and INSTAVM_BASE_URL; explicit options win', async () => {
  const key = freshKey('env');
  const client = withEnv({ INSTAVM_API_KEY: key, INSTAVM_BASE_URL: BASE_URL }, () => new InstaVM());
  await client.snapshots.list();
  assert.equal((await requestLog(key)).length, 1, 'the request went to the emulator, with the key from the environment');

  const other = freshKey('explicit');
  const explicit = withEnv({ INSTAVM_API_KEY: key, INSTAVM_BASE_URL: 'http://127.0.0.1:9' }, () => new InstaVM({ apiKey: other, baseUrl: BASE_URL }));
  await explicit.snapshots.list();
  assert.equal((await requestLog(other)).length, 1, 'the explicit key and base URL were used');

  // The key alone (as in `new InstaVM(process.env.INSTAVM_API_KEY)`) still takes the base URL from the environment.
  const third = freshKey('keyOnly');
  const keyOnly = withEnv({ INSTAVM_BASE_URL: BASE_URL }, () => new InstaVM(third));
  await keyOnly.snapshots.list();
  assert.equal((await requestLog(third)).length, 1);
  const fromEmptyObject = withEnv({ INSTAVM_API_KEY: third, INSTAVM_BASE_URL: BASE_URL }, () => new InstaVM({}));
  await fromEmptyObject.snapshots.list();
  assert.equal((await requestLog(third)).length, 2);
});

test('without a key anywhere, the error names INSTAVM_API_KEY and how to pass one', async () => {
  for (const make of [() => new InstaVM(), () => new InstaVM({}), () => new InstaVM(undefined)]) {
    const e = await refusal(() => withEnv({ INSTAVM_API_KEY: undefined }, make));
    assert.equal(e.field, 'apiKey');
    assert.match(e.message, /INSTAVM_API_KEY/);
    assert.match(e.message, /apiKey/);
  }
});

test('a base URL ending in /v1 is refused with the URL to use instead', async () => {
  const e = await refusal(() => new InstaVM({ apiKey: 'k', baseUrl: `${BASE_URL}/v1` }));
  assert.equal(e.field, 'baseUrl');
  assert.equal(e.message, `baseUrl: must not end in /v1: the client adds /v1 itself; use ${BASE_URL}`);
});

// [what, call, field, the suggested key or null]
const client = () => new InstaVM({ apiKey: KEY, baseUrl: BASE_URL, maxRetries: 0 });
const KEY = freshKey('typos');
const typos = [
  ['client: baseURL', () => new InstaVM({ apiKey: 'k', baseURL: BASE_URL }), 'baseURL', 'baseUrl'],
  ['client: api_key', () => new InstaVM({ api_key: 'k', baseUrl: BASE_URL }), 'api_key', 'apiKey'],
  ['client: timeout', () => new InstaVM({ apiKey: 'k', timeout: 5 }), 'timeout', 'timeoutMs'],
  ['create: vcpus', () => client().snapshots.create({ oci_image: 'alpine', vcpus: 2 }), 'vcpus', 'vcpu_count'],
  ['create: snapshot_type', () => client().snapshots.create({ oci_image: 'alpine', snapshot_type: 'system' }), 'snapshot_type', 'type'],
  ['create: build_args.extra_pip_package', () => client().snapshots.create({ oci_image: 'alpine', build_args: { extra_pip_package: 'numpy' } }), 'build_args.extra_pip_package', 'extra_pip_packages'],
  ['create options: pollIntervalMS', () => client().snapshots.create({ oci_image: 'alpine' }, { wait: true, pollIntervalMS: 10 }), 'pollIntervalMS', 'pollIntervalMs'],
  ['list query: snapshot_type', () => client().snapshots.list({ snapshot_type: 'user' }), 'snapshot_type', 'type'],
  ['list options: extraBody has no body to go to', () => client().snapshots.list(null, { extraBody: {} }), 'extraBody', null],
  ['get options: signl', () => client().snapshots.get('snap_1', { signl: null }), 'signl', 'signal'],
  ['waitUntilReady: pollIntervalMS', () => client().snapshots.waitUntilReady('snap_1', { pollIntervalMS: 10 }), 'pollIntervalMS', 'pollIntervalMs'],
  ['ensure options: rebuild_failed', () => client().snapshots.ensure({ oci_image: 'alpine' }, { rebuild_failed: false }), 'rebuild_failed', 'rebuildFailed'],
  ['ensure(params) options: vcpu_count belongs in the params', () => client().snapshots.ensure({ oci_image: 'alpine' }, { vcpu_count: 2 }), 'vcpu_count', null],
  ['vms.create: cpus', () => client().vms.create({ cpus: 2 }, true), 'cpus', 'vcpu_count'],
  ['vms.create: volumes[0].mountpath', () => client().vms.create({ volumes: [{ volume_id: 'v', mountpath: '/d' }] }), 'volumes[0].mountpath', 'mount_path'],
  ['vms.create: egress_policy.allow_htps', () => client().vms.create({ egress_policy: { allow_htps: true } }), 'egress_policy.allow_htps', 'allow_https'],
  ['vms.create wait options: onstatus', () => client().vms.create({}, { wait: true, onstatus: () => {} }), 'onstatus', 'onStatus'],
  ['vms.update: vcpu_count cannot be changed', () => client().vms.update('vm_1', { vcpu_count: 2 }), 'vcpu_count', null],
  ['vms.update: auto_suspnd', () => client().vms.update('vm_1', { auto_suspnd: true }), 'auto_suspnd', 'auto_suspend'],
  ['vms.snapshot: snapshot_name', () => client().vms.snapshot('vm_1', { snapshot_name: 'x' }), 'snapshot_name', 'name'],
  ['vms.clone: name', () => client().vms.clone('vm_1', { name: 'x' }), 'name', 'snapshot_name'],
  ['vms.suspend: extraBody (no body)', () => client().vms.suspend('vm_1', { extraBody: {} }), 'extraBody', null],
  ['vms.mountVolume: mountPath', () => client().vms.mountVolume('vm_1', { volume_id: 'v', mountPath: '/d' }), 'mountPath', 'mount_path'],
  ['vms.unmountVolume: mount_path is required', () => client().vms.unmountVolume('vm_1', 'vol_1', {}), 'mount_path', null],
  ['vms.unmountVolume: no options at all', () => client().vms.unmountVolume('vm_1', 'vol_1'), 'mount_path', null],
  ['vms.unmountVolume: mountpath', () => client().vms.unmountVolume('vm_1', 'vol_1', { mountpath: '/d' }), 'mountpath', 'mount_path'],
  ['Image.toParams: vcpus', () => Image.from('alpine').toParams({ vcpus: 2 }), 'vcpus', 'vcpu_count'],
  ['Image.fingerprint: name is not a resource', () => Image.from('alpine').fingerprint({ name: 'x' }), 'name', null],
  ['Image.gitClone: brnach', () => Image.from('alpine').gitClone('https://example.com/r.git', { brnach: 'main' }), 'brnach', 'branch'],
  ['create(image): memory', () => client().snapshots.create(Image.from('alpine'), { memory: 512 }), 'memory', 'memory_mb'],
];

for (const [what, call, field, meant] of typos) {
  test(`refused by name, nothing sent: ${what}`, async () => {
    const before = (await requestLog(KEY)).length;
    const e = await refusal(call);
    assert.equal(e.field, field, e.message);
    if (meant) assert.match(e.message, new RegExp(`did you mean ${meant}\\?$`), e.message);
    else assert.doesNotMatch(e.message, /did you mean/, e.message);
    assert.equal((await requestLog(KEY)).length, before, 'nothing reached the server');
  });
}

test('extraBody sends a field the client does not know yet; extraQuery a query parameter', async () => {
  const key = freshKey('extra');
  const c = new InstaVM({ apiKey: key, baseUrl: BASE_URL });
  const sent = [];
  const spy = new InstaVM({ apiKey: key, baseUrl: BASE_URL, fetch: (url, init) => (sent.push(init.body), fetch(url, init)) });
  const snap = await spy.snapshots.create({ oci_image: 'alpine', build_args: { disk_size_gb: 2 } }, { extraBody: { build_args: { future_flag: true }, priority: 'low' } });
  const body = JSON.parse(sent[0]);
  assert.deepEqual(body.build_args, { disk_size_gb: 2, future_flag: true });
  assert.equal(body.priority, 'low');
  assert.equal(body.oci_image, 'alpine');
  await c.snapshots.list({ type: 'user' }, { extraQuery: { owner: 'me & you', page: 2 } });
  const list = (await requestLog(key)).filter((r) => r.method === 'GET' && r.path === '/v1/snapshots').at(-1);
  assert.equal(list.query, 'type=user&owner=me%20%26%20you&page=2');
  const e = await refusal(() => c.snapshots.create({ oci_image: 'alpine' }, { extraBody: 'x' }));
  assert.equal(e.field, 'extraBody');
  await c.snapshots.delete(snap.id);
});

test('every resource method reaches its operation in the wasm: none is refused as unknown', async () => {
  // The JS methods call the wasm's one export by operation name, which looks
  // the name up in its own table (src/api/client.rs): a name missing there
  // would be a ValidationError on the field "operation". Called bare, with a
  // fetch that fails at once and no retries, every method settles at once:
  // refused by name for a missing argument, or a NetworkError once it sent.
  const client = new InstaVM({ apiKey: freshKey('ops'), baseUrl: BASE_URL, maxRetries: 0, fetch: () => Promise.reject(new TypeError('offline on purpose')) });
  const outcomes = {};
  for (const resource of ['snapshots', 'vms']) {
    for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(client[resource]))) {
      if (name === 'constructor' || name === 'watch') continue;
      const e = await client[resource][name]().then(() => undefined, (thrown) => thrown);
      assert.notEqual(e?.field, 'operation', `${resource}.${name}: ${e?.message}`);
      outcomes[`${resource}.${name}`] = e?.name ?? 'resolved';
    }
  }
  assert.ok(Object.keys(outcomes).length >= 20, JSON.stringify(outcomes));
  const seen = new Set(Object.values(outcomes));
  assert.ok(seen.has('ValidationError') && seen.has('NetworkError'), JSON.stringify(outcomes));
});

test("a fetch wrapper that adds a header changes that request only", async () => {
  const seen = [];
  let calls = 0;
  const wrapper = (url, init) => {
    seen.push(init.headers.has('x-first-only'));
    if (calls++ === 0) init.headers.set('X-First-Only', '1');
    return fetch(url, init);
  };
  const client = new InstaVM({ apiKey: freshKey('wrapper'), baseUrl: BASE_URL, fetch: wrapper });
  await client.snapshots.list();
  await client.snapshots.list();
  assert.deepEqual(seen, [false, false]);
});

test('Image package methods take names and arrays alike', () => {
  const a = Image.from('alpine').pipInstall('numpy', 'pandas');
  const b = Image.from('alpine').pipInstall(['numpy', 'pandas']);
  const c = Image.from('alpine').pipInstall(['pandas'], 'numpy');
  assert.equal(a.fingerprint(), b.fingerprint());
  assert.equal(a.fingerprint(), c.fingerprint());
  assert.deepEqual(b.toParams().build_args, { extra_pip_packages: 'numpy pandas' });
  assert.deepEqual(Image.from('alpine').aptInstall(['git']).npmInstall(['left-pad', 'is-odd']).toParams().build_args, {
    extra_apt_packages: 'git',
    extra_npm_packages: 'is-odd left-pad',
  });
});

test('a printed error shows its class, message and only the fields that are set, with no wasm frames', async () => {
  const key = freshKey('inspect');
  const c = new InstaVM({ apiKey: key, baseUrl: BASE_URL });
  const notFound = await rejection(c.snapshots.get('snap_missing'));
  const printed = inspect(notFound);
  assert.match(printed, /^\[?NotFoundError: Snapshot 'snap_missing' not found/);
  assert.match(printed, /status: 404/);
  assert.match(printed, /requestId: 'req_/);
  assert.doesNotMatch(printed, /undefined/);
  assert.doesNotMatch(printed, /wasm/);
  assert.ok(!printed.includes(key), 'the key is not printed');

  const invalid = await refusal(() => new InstaVM({ apiKey: key, baseUrl: BASE_URL, vcpus: 1 }));
  const shown = inspect(invalid);
  assert.match(shown, /^ValidationError: vcpus: unknown key/);
  assert.match(shown, /field: 'vcpus'/);
  assert.doesNotMatch(shown, /undefined|wasm|__wbg_/);
  assert.match(shown, /first-contact\.test\.mjs/, 'the stack points at the caller');
  // `code` is always set (a UI branches on it); the rest only when known.
  assert.deepEqual(Object.keys(invalid), ['code', 'field']);
  assert.match(shown, /code: 'invalid_request'/);
  assert.match(printed, /code: 'not_found'/);
});

test('a network error carries the runtime error as its cause', async () => {
  const c = new InstaVM({ apiKey: 'instavm_sk_cause', baseUrl: 'http://127.0.0.1:9', maxRetries: 0 });
  const e = await rejection(c.snapshots.list());
  assert.ok(e instanceof NetworkError);
  assert.ok(e.cause instanceof Error, `cause: ${e.cause}`);
  assert.match(String(e.cause), /fetch failed|TypeError/);
  assert.doesNotMatch(e.message, /CORS/, 'outside a page there is no CORS to suspect');
  const thrown = new TypeError('my fetch broke');
  const own = new InstaVM({ apiKey: 'k', baseUrl: BASE_URL, maxRetries: 0, fetch: () => Promise.reject(thrown) });
  const e2 = await rejection(own.snapshots.list());
  assert.equal(e2.cause, thrown);
  assert.doesNotMatch(inspect(e2), /undefined/);
});

// Deno: the environment needs --allow-env; without it the error names the flag.
const root = fileURLToPath(new URL('../../', import.meta.url));
const deno = `${root}node_modules/.bin/deno`;
test('Deno reads the environment with --allow-env, and names the flag without it', () => {
  assert.ok(existsSync(deno), `npm test installs Deno at ${deno}`);
  const file = fileURLToPath(new URL('./deno-env.mjs', import.meta.url));
  writeFileSync(file, "import { InstaVM } from 'instavm-wasm';\ntry { new InstaVM(); console.log('made'); } catch (e) { console.log(`${e.name} ${e.field}: ${e.message}`); }\n");
  const run = (flags) =>
    spawnSync(deno, ['run', '--allow-read', ...flags, file], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      env: { ...process.env, INSTAVM_API_KEY: 'instavm_sk_deno', DENO_DIR: fileURLToPath(new URL('./.deno-cache', import.meta.url)), NO_COLOR: '1' },
    });
  const denied = run([]);
  assert.equal(denied.status, 0, denied.stderr);
  assert.match(denied.stdout, /^ValidationError apiKey: .*--allow-env=INSTAVM_API_KEY,INSTAVM_BASE_URL/m, denied.stdout + denied.stderr);
  const allowed = run(['--allow-env=INSTAVM_API_KEY,INSTAVM_BASE_URL']);
  assert.equal(allowed.stdout.trim(), 'made', allowed.stdout + allowed.stderr);
});

test('apiKey: null sends no key on purpose (a proxy adds it), and a path baseUrl resolves against the page', async () => {
  const seen = [];
  const spy = (url, init) => {
    seen.push({ url, key: init.headers.get('x-api-key') });
    return Promise.resolve(new Response('[]', { headers: { 'content-type': 'application/json' } }));
  };
  const c = withEnv({ INSTAVM_API_KEY: 'instavm_sk_from_env' }, () => new InstaVM({ apiKey: null, baseUrl: 'https://app.example/instavm', fetch: spy }));
  await c.snapshots.list();
  assert.deepEqual(seen, [{ url: 'https://app.example/instavm/v1/snapshots', key: null }], 'no key, not even the environment one');

  // Outside a page a path has nothing to resolve against: refused on the first
  // call, saying so, and not when the client is made (a page's module is
  // prerendered on a server, as Next.js does with client components).
  const onServer = new InstaVM({ apiKey: null, baseUrl: '/instavm', fetch: spy });
  const before = seen.length;
  for (let i = 0; i < 2; i++) {
    const e = await onServer.snapshots.list().then(() => null, (err) => err);
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.field, 'baseUrl');
    assert.match(e.message, /resolved against the page only in a browser/);
  }
  assert.equal(seen.length, before, 'nothing was sent');

  // In a page (location is a page's global), the path is the page's origin plus the path.
  globalThis.location = { href: 'https://app.example/dashboard/index.html' };
  try {
    const inPage = new InstaVM({ apiKey: null, baseUrl: '/instavm', fetch: spy });
    await inPage.snapshots.get('snap_1').catch(() => {});
    assert.equal(seen.at(-1).url, 'https://app.example/instavm/v1/snapshots/snap_1');
  } finally {
    delete globalThis.location;
  }
});

test('a secret key is the normal case on a server, even where a page global exists (jsdom); the option is checked by name', async () => {
  const key = 'instavm_sk_page_check';
  assert.ok(new InstaVM({ apiKey: key, baseUrl: BASE_URL }));
  const typo = await refusal(() => new InstaVM({ apiKey: key, baseUrl: BASE_URL, dangerouslyAllowBrowser: 'yes' }));
  assert.equal(typo.field, 'dangerouslyAllowBrowser');
  const near = await refusal(() => new InstaVM({ apiKey: key, baseUrl: BASE_URL, dangerouslyAllowBrowsers: true }));
  assert.match(near.message, /did you mean dangerouslyAllowBrowser/);
  // A test environment that defines window (jsdom) still loads the Node entry: a server, not a page.
  globalThis.window = globalThis;
  try {
    assert.ok(new InstaVM({ apiKey: key, baseUrl: BASE_URL }));
  } finally {
    delete globalThis.window;
  }
  // (The refusal in a page is checked in Chromium by the ecosystem scenario, on the browser entry.)
});
