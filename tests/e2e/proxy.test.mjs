// instavm-wasm/proxy from the installed package: the client through it with
// no key, the requests it must refuse with nothing sent upstream (counted in
// the emulator's request log for the proxy's key), its configuration errors,
// a property test of its path matching, and the same handler in workerd
// (Miniflare), Deno.serve and Bun.serve. Runs in the scratch project, with
// INSTAVM_BASE_URL pointing at the test emulator.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InstaVM, ForbiddenError } from 'instavm-wasm';
import { createProxy, toNodeListener } from 'instavm-wasm/proxy';
import { BASE_URL, freshKey, requestLog } from './helpers.mjs';
import { startWorker } from './worker-host.mjs';
import { repoBin, startServing } from './runtimes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const work = join(here, 'proxy-work');
mkdirSync(work, { recursive: true });
const closers = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

/**
 * Serves `handler` from node:http on a free port; its origin. A function of
 * the origin (`(origin) => handler`, marked by `ownOrigin`) is called once
 * the port is known, for a proxy told its own origin.
 */
async function serve(handler, { ownOrigin = false } = {}) {
  let serving = handler;
  const server = createServer((req, res) => serving(req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  serving = toNodeListener(ownOrigin ? handler(origin) : handler);
  closers.push(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  return origin;
}

/** The client as a page runs it behind the proxy: with no key, on purpose. */
function keylessClient(baseUrl) {
  return new InstaVM({ apiKey: null, baseUrl, maxRetries: 0 });
}

/** A raw HTTP request, the path sent exactly as written: status, raw header lines and body text. */
function raw(origin, method, path, { headers = {}, body } = {}) {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders.join('\n'), text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) {
      for (const part of [].concat(body)) req.write(part);
    }
    req.end();
  });
}

/** The upstream `fetch`, recording what the proxy sends. */
function recording() {
  const calls = [];
  const fetchUpstream = (url, init) => {
    calls.push({ url, method: init.method, headers: Object.fromEntries(new Headers(init.headers)), redirect: init.redirect });
    return fetch(url, init);
  };
  return { calls, fetch: fetchUpstream };
}

test('the client, keyless, through the proxy on node:http: builds with a wait, lists, gets, deletes, boots and deletes a VM', { timeout: 30_000 }, async () => {
  const key = freshKey('proxy_client');
  const proxy = createProxy({ authorize: 'public', apiKey: key, baseUrl: BASE_URL, prefix: '/instavm', allow: ['snapshots.*', 'vms.*'] });
  const keysSent = [];
  const origin = await serve((request) => {
    keysSent.push(request.headers.get('x-api-key'));
    return proxy(request);
  });
  const client = keylessClient(`${origin}/instavm`);
  const seen = [];
  const snap = await client.snapshots.create({ oci_image: 'docker.io/library/python:3.11-slim', name: 'via-proxy' }, { wait: true, pollIntervalMs: 50, onStatus: (s) => seen.push(s.status) });
  assert.equal(snap.status, 'ready');
  assert.equal(seen.at(-1), 'ready');
  assert.ok((await client.snapshots.list()).some((s) => s.id === snap.id));
  assert.equal((await client.snapshots.get(snap.id)).name, 'via-proxy');
  const vm = await client.vms.create({ snapshot_id: snap.id });
  assert.equal(vm.status, 'active');
  await client.vms.delete(vm.vm_id);
  await client.snapshots.delete(snap.id);
  assert.deepEqual(await client.snapshots.list(), []);
  assert.ok(keysSent.length >= 6 && keysSent.every((k) => k === null), 'the keyless client sent no X-API-Key');
  // Everything reached the emulator under the proxy's key, POSTs with their Idempotency-Key.
  const log = await requestLog(key);
  assert.ok(log.length >= 6, JSON.stringify(log));
  for (const r of log.filter((r) => r.method === 'POST')) assert.match(r.idempotency_key ?? '', /\S/, `${r.path} kept its Idempotency-Key`);
});

test('allowing snapshots.ensure allows what it uses; anything else is a ForbiddenError naming the operation, and is not sent', { timeout: 30_000 }, async () => {
  const key = freshKey('proxy_ensure');
  const origin = await serve(createProxy({ authorize: 'public', apiKey: key, baseUrl: BASE_URL, prefix: '/api/instavm', allow: ['snapshots.ensure', 'snapshots.delete'] }));
  const client = keylessClient(`${origin}/api/instavm`);
  const params = { oci_image: 'alpine', name: 'ensured' };
  const first = await client.snapshots.ensure(params, { pollIntervalMs: 50 });
  const again = await client.snapshots.ensure(params, { pollIntervalMs: 50 });
  assert.equal(again.id, first.id);
  assert.equal(again.reused, true);
  const before = (await requestLog(key)).length;
  const e = await client.vms.list().then(() => null, (err) => err);
  assert.ok(e instanceof ForbiddenError, String(e));
  assert.match(e.message, /vms\.list is not allowed/);
  assert.equal(e.code, 'not_allowed', 'the proxy says why, in a code a page can branch on');
  assert.equal((await requestLog(key)).length, before, 'nothing was sent upstream');
  await client.snapshots.delete(first.id);
});

// ---------------------------------------------------------------- refusals

const PREFIX = '/instavm';
const ALLOWED_ORIGIN = 'https://app.example';

/**
 * Hostile requests, each with the status it must get; `proxy` overrides the
 * proxy's options for that row. None may reach the emulator.
 */
const REFUSED = [
  { name: 'traversal out of the prefix', path: '/instavm/../v1/snapshots', status: 404, code: 'outside_prefix' },
  { name: 'encoded traversal out of the prefix', path: '/instavm/%2e%2e/v1/snapshots', status: 404, code: 'outside_prefix' },
  { name: 'traversal to a disallowed operation', path: '/instavm/v1/snapshots/../vms', status: 403, code: 'not_allowed' },
  { name: 'encoded traversal to a disallowed operation', path: '/instavm/v1/snapshots/%2E%2e/vms', status: 403, code: 'not_allowed' },
  { name: '%2F inside an id', path: '/instavm/v1/snapshots/..%2Fvms', status: 400, code: 'bad_id' },
  { name: 'an encoded dot-dot-slash id', path: '/instavm/v1/snapshots/%2e%2e%2f%2e%2e%2fv1%2fvms', status: 400, code: 'bad_id' },
  { name: 'a backslash inside an id', path: '/instavm/v1/snapshots/a%5Cb', status: 400, code: 'bad_id' },
  { name: 'a malformed escape in an id', path: '/instavm/v1/snapshots/%zz', status: 400, code: 'bad_id' },
  { name: 'doubled slashes', path: '/instavm//v1//snapshots', status: 404, code: 'unknown_operation' },
  { name: 'a doubled slash before the id', path: '/instavm/v1/snapshots//x', status: 404, code: 'unknown_operation' },
  { name: 'an empty id (trailing slash)', path: '/instavm/v1/snapshots/', status: 404, code: 'unknown_operation' },
  { name: 'outside the prefix', path: '/v1/snapshots', status: 404, code: 'outside_prefix' },
  { name: 'a longer name sharing the prefix', path: '/instavmx/v1/snapshots', status: 404, code: 'outside_prefix' },
  { name: 'the prefix alone', path: '/instavm', status: 404, code: 'outside_prefix' },
  { name: 'a path no operation has', path: '/instavm/v1/secrets', status: 404, code: 'unknown_operation' },
  { name: 'the emulator inspection route', path: '/instavm/_emulator/requests', status: 404, code: 'unknown_operation' },
  { name: 'an unknown method', method: 'PUT', path: '/instavm/v1/snapshots', status: 405, code: 'method_not_allowed' },
  { name: 'a WebDAV method', method: 'PROPFIND', path: '/instavm/v1/snapshots', status: 405, code: 'method_not_allowed' },
  { name: 'HEAD', method: 'HEAD', path: '/instavm/v1/snapshots', status: 405 },
  { name: 'OPTIONS that is no preflight', method: 'OPTIONS', path: '/instavm/v1/snapshots', status: 405, code: 'method_not_allowed' },
  { name: 'a disallowed operation', method: 'DELETE', path: '/instavm/v1/snapshots/snap_1', status: 403, operation: 'snapshots.delete', code: 'not_allowed' },
  { name: 'a disallowed VM operation', method: 'POST', path: '/instavm/v1/vms/vm_1/stage-env', body: '{"A":"b"}', status: 403, operation: 'vms.stageEnv', code: 'not_allowed' },
  { name: 'an oversized body (Content-Length)', method: 'POST', path: '/instavm/v1/vms', body: `{"metadata":{"pad":"${'x'.repeat(2000)}"}}`, status: 413, code: 'body_too_large' },
  { name: 'an oversized body (chunked)', method: 'POST', path: '/instavm/v1/vms', headers: { 'transfer-encoding': 'chunked' }, body: Array.from({ length: 8 }, () => 'x'.repeat(300)), status: 413, code: 'body_too_large' },
  { name: 'a CORS preflight from a foreign origin (passed, without credentials, so that its request gets a readable 403)', method: 'OPTIONS', path: '/instavm/v1/snapshots', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' }, status: 204 },
  { name: 'a cross-origin POST from a foreign origin', method: 'POST', path: '/instavm/v1/vms', headers: { origin: 'https://evil.example', 'content-type': 'text/plain' }, body: '{}', status: 403, code: 'origin_not_allowed' },
  { name: 'a GET from a foreign origin', path: '/instavm/v1/snapshots', headers: { origin: 'https://evil.example' }, status: 403, code: 'origin_not_allowed' },
  { name: 'authorize false', path: '/instavm/v1/snapshots', proxy: { authorize: async () => false }, status: 403, operation: 'snapshots.list', code: 'forbidden' },
  { name: 'authorize truthy but not true', path: '/instavm/v1/snapshots', proxy: { authorize: () => 'yes' }, status: 403, operation: 'snapshots.list', code: 'forbidden' },
  { name: 'authorize throwing', path: '/instavm/v1/snapshots', proxy: { authorize: () => { throw new Error('session store down'); } }, status: 500, operation: 'snapshots.list', code: 'authorize_failed' },
  { name: 'authorize rejecting', path: '/instavm/v1/snapshots', proxy: { authorize: async () => Promise.reject(new Error('no')) }, status: 500, operation: 'snapshots.list', code: 'authorize_failed' },
];

test('hostile requests are refused with the right status, nothing reaches the API, and the key is in no byte of any answer', { timeout: 30_000 }, async (t) => {
  const key = freshKey('proxy_hostile');
  const upstream = recording();
  const base = { authorize: 'public', apiKey: key, baseUrl: BASE_URL, prefix: PREFIX, allow: ['snapshots.list', 'snapshots.get', 'vms.create'], allowedOrigins: [ALLOWED_ORIGIN], maxBodyBytes: 1024, fetch: upstream.fetch };
  const shared = await serve(createProxy(base));
  for (const row of REFUSED) {
    await t.test(row.name, async () => {
      const origin = row.proxy ? await serve(createProxy({ ...base, ...row.proxy })) : shared;
      const before = (await requestLog(key)).length;
      const r = await raw(origin, row.method ?? 'GET', row.path, { headers: row.headers, body: row.body });
      assert.equal(r.status, row.status, `${row.method ?? 'GET'} ${row.path}: ${r.text}`);
      assert.equal((await requestLog(key)).length, before, 'nothing was sent upstream');
      assert.ok(!r.rawHeaders.includes(key) && !r.text.includes(key), 'the key is in no answer byte');
      if (row.status !== 204 && (row.status !== 405 || row.method !== 'HEAD')) assert.match(r.headers['content-type'] ?? '', /application\/json/);
      if (row.operation) assert.equal(JSON.parse(r.text).operation, row.operation);
      if (row.code) assert.equal(JSON.parse(r.text).code, row.code, 'a code a page can branch on');
      if (row.operation && row.status === 403) assert.match(JSON.parse(r.text).detail, new RegExp(row.operation.replace('.', '\\.')));
      if (row.status === 405) assert.ok(r.headers.allow, 'a 405 says which methods the path has');
      // A foreign origin may read the refusal itself, and nothing more: no credentials, no exposed headers.
      if (/foreign/.test(row.name)) {
        assert.equal(r.headers['access-control-allow-origin'], 'https://evil.example');
        assert.equal(r.headers['access-control-allow-credentials'], undefined);
        assert.equal(r.headers['access-control-expose-headers'], undefined);
      }
      if (/authorize (throwing|rejecting)/.test(row.name)) assert.doesNotMatch(r.text, /session store|no"/, "the app's error text stays inside");
    });
  }
  assert.equal(upstream.calls.length, 0, `the proxy called upstream: ${JSON.stringify(upstream.calls)}`);
});

test('what passes: only the contract headers go up with the proxy key, only contract headers come back, CORS for the listed origin only', { timeout: 30_000 }, async () => {
  const key = freshKey('proxy_headers');
  const callerKey = freshKey('proxy_caller');
  const upstream = recording();
  const origin = await serve(createProxy({ authorize: 'public', apiKey: key, baseUrl: BASE_URL, prefix: PREFIX, allow: ['snapshots.list', 'snapshots.create'], allowedOrigins: [ALLOWED_ORIGIN], fetch: upstream.fetch }));
  const hostile = { 'x-api-key': callerKey, authorization: 'Bearer caller-token', cookie: 'session=caller', 'x-emulator-fault': '500', 'x-forwarded-for': '6.6.6.6', accept: 'application/json' };
  const list = await raw(origin, 'GET', '/instavm/v1/snapshots?type=user', { headers: hostile });
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(JSON.parse(list.text), []);
  const made = await raw(origin, 'POST', '/instavm/v1/snapshots', { headers: { ...hostile, 'content-type': 'application/json', 'idempotency-key': 'idem-proxy-1' }, body: '{"oci_image":"alpine"}' });
  assert.equal(made.status, 201, made.text);
  const replay = await raw(origin, 'POST', '/instavm/v1/snapshots', { headers: { 'content-type': 'application/json', 'idempotency-key': 'idem-proxy-1' }, body: '{"oci_image":"alpine"}' });
  assert.equal(replay.status, 201, replay.text);
  // The emulator ignores the key by default (as the documented API does): its log shows it arrived.
  const keyed = (await requestLog(key)).filter((r) => r.method === 'POST').map((r) => r.idempotency_key);
  assert.deepEqual(keyed, ['idem-proxy-1', 'idem-proxy-1'], 'the Idempotency-Key reached the API');
  // Upstream saw the proxy's key and the contract's headers, nothing of the caller's.
  for (const call of upstream.calls) {
    assert.deepEqual(Object.keys(call.headers).filter((h) => !['accept', 'content-type', 'idempotency-key', 'x-api-key'].includes(h)), [], JSON.stringify(call.headers));
    assert.equal(call.headers['x-api-key'], key);
    assert.equal(call.redirect, 'manual');
  }
  assert.equal(upstream.calls[0].url, `${BASE_URL}/v1/snapshots?type=user`);
  assert.deepEqual(await requestLog(callerKey), [], "the caller's key reached nothing");
  assert.equal((await requestLog(key)).length, 3);
  // Back: the contract's answer headers and no more (the emulator's own CORS headers stay behind).
  for (const r of [list, made, replay]) {
    assert.deepEqual(Object.keys(r.headers).filter((h) => !['content-type', 'x-request-id', 'idempotent-replayed', 'vary', 'content-length', 'date', 'connection', 'keep-alive', 'x-content-type-options', 'cache-control'].includes(h)), [], JSON.stringify(r.headers));
    assert.match(r.headers['x-request-id'] ?? '', /\S/);
    // Per-user JSON: never sniffed as another type, never kept by a cache.
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.ok(!r.rawHeaders.includes(key) && !r.text.includes(key));
  }
  // An allowed origin: its preflight is answered, its requests carry CORS headers.
  const preflight = await raw(origin, 'OPTIONS', '/instavm/v1/snapshots', { headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, idempotency-key' } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], ALLOWED_ORIGIN);
  assert.match(preflight.headers['access-control-allow-headers'], /idempotency-key/);
  const cross = await raw(origin, 'GET', '/instavm/v1/snapshots', { headers: { origin: ALLOWED_ORIGIN } });
  assert.equal(cross.status, 200);
  assert.equal(cross.headers['access-control-allow-origin'], ALLOWED_ORIGIN);
  assert.match(cross.headers['access-control-expose-headers'], /x-request-id/);
  assert.match(cross.headers['access-control-expose-headers'], /date/);
  assert.equal(cross.headers['access-control-allow-credentials'], undefined, 'credentials are opt-in');
  // The proxy's own origin, as its `origin` option names it, needs no CORS, and gets none.
  const own = await serve((self) => createProxy({ authorize: 'public', apiKey: key, baseUrl: BASE_URL, prefix: PREFIX, allow: ['snapshots.create'], origin: self }), { ownOrigin: true });
  const same = await raw(own, 'POST', '/instavm/v1/snapshots', { headers: { origin: own, 'content-type': 'application/json' }, body: '{"oci_image":"alpine"}' });
  assert.equal(same.status, 201, same.text);
  assert.equal(same.headers['access-control-allow-origin'], undefined);
  // Not told its origin, the proxy takes no Host's word for it: a rebound DNS name, or Sec-Fetch-Site, proves nothing.
  const sent = (await requestLog(key)).length;
  for (const headers of [{ host: 'rebind.evil.example', origin: 'http://rebind.evil.example' }, { origin, 'sec-fetch-site': 'same-origin' }, { host: new URL(own).host, origin: 'http://rebind.evil.example', 'sec-fetch-site': 'same-origin' }]) {
    for (const at of [origin, own]) {
      const r = await raw(at, 'POST', '/instavm/v1/snapshots', { headers: { ...headers, 'content-type': 'application/json' }, body: '{"oci_image":"alpine"}' });
      assert.equal(r.status, 403, `${JSON.stringify(headers)}: ${r.text}`);
      assert.match(JSON.parse(r.text).detail, /allowedOrigins.*origin/);
    }
  }
  assert.equal((await requestLog(key)).length, sent, 'nothing was sent for them');
  for (const id of [JSON.parse(made.text).id, JSON.parse(same.text).id]) {
    await fetch(`${BASE_URL}/v1/snapshots/${id}`, { method: 'DELETE', headers: { 'X-API-Key': key } });
  }
});

test('an upstream redirect is not followed (a 502), an unreachable API is a 502, and a key echoed upstream is redacted', { timeout: 30_000 }, async () => {
  const key = freshKey('proxy_upstream');
  const allow = ['snapshots.list'];
  // The emulator's redirect fault, asked for by the upstream fetch (a caller cannot: the header is not forwarded).
  const redirecting = createProxy({ authorize: 'public', apiKey: key, baseUrl: BASE_URL, allow, fetch: (url, init) => {
    const headers = new Headers(init.headers);
    headers.set('x-emulator-fault', 'redirect');
    return fetch(url, { ...init, headers });
  } });
  const r = await redirecting(new Request('http://proxy.test/v1/snapshots'));
  assert.equal(r.status, 502);
  assert.equal(r.headers.get('location'), null);
  assert.match((await r.json()).detail, /redirect/);
  const down = createProxy({ authorize: 'public', apiKey: key, baseUrl: 'http://127.0.0.1:9', allow });
  const d = await down(new Request('http://proxy.test/v1/snapshots'));
  assert.equal(d.status, 502);
  assert.ok(!(await d.text()).includes(key));
  const echo = createProxy({ authorize: 'public', apiKey: key, allow, fetch: async () => new Response(JSON.stringify({ detail: `bad key ${key}` }), { status: 401, headers: { 'content-type': 'application/json', 'x-request-id': key, 'set-cookie': 'a=b' } }) });
  const e = await echo(new Request('http://proxy.test/v1/snapshots'));
  assert.equal(e.status, 401);
  assert.equal(e.headers.get('x-request-id'), null);
  assert.equal(e.headers.get('set-cookie'), null);
  assert.deepEqual(await e.json(), { detail: 'bad key [redacted]' });
});

test('a caller that goes away aborts the upstream call (served by toNodeListener)', { timeout: 15_000 }, async () => {
  let upstream;
  // The emulator's slow fault stalls the answer for seconds: long enough to leave.
  const proxy = createProxy({ authorize: 'public', apiKey: freshKey('proxy_abort'), baseUrl: BASE_URL, allow: ['snapshots.list'], fetch: (url, init) => {
    upstream = init.signal;
    const headers = new Headers(init.headers);
    headers.set('x-emulator-fault', 'slow');
    return fetch(url, { ...init, headers });
  } });
  const origin = await serve(proxy);
  const leaving = new AbortController();
  const call = fetch(`${origin}/v1/snapshots`, { signal: leaving.signal }).catch((e) => e);
  for (let i = 0; !upstream && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(upstream && !upstream.aborted, 'the call reached upstream');
  leaving.abort();
  assert.equal((await call).name, 'AbortError');
  for (let i = 0; !upstream.aborted && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(upstream.aborted, 'the upstream call was aborted');
});

test('bad configuration throws at createProxy, naming the option', () => {
  const ok = { apiKey: 'instavm_sk_config', authorize: 'public' };
  const cases = [
    [undefined, /options object/],
    [{}, /authorize is required/],
    [{ apiKey: 42 }, /apiKey must be the InstaVM API key as a string/],
    [{ ...ok, onError: 'log' }, /onError must be a function/],
    [{ apiKey: 'instavm_sk_with\nbreak' }, /apiKey must be printable ASCII/],
    [{ ...ok, alow: ['snapshots.list'] }, /alow is not an option; did you mean allow\?/],
    [{ ...ok, baseURL: 'http://x' }, /baseURL is not an option; did you mean baseUrl\?/],
    [{ ...ok, allow: ['snapshot.list'] }, /allow\[0\] is no operation: "snapshot.list"; did you mean snapshots.list\?/],
    [{ ...ok, allow: ['vms.listall'] }, /did you mean vms.listAll\?/],
    [{ ...ok, allow: ['*'] }, /allow\[0\]/],
    [{ ...ok, allow: 'snapshots.list' }, /allow must be an array/],
    [{ ...ok, baseUrl: 'http://127.0.0.1:8787/v1' }, /baseUrl must not end in \/v1.*use http:\/\/127\.0\.0\.1:8787$/],
    [{ ...ok, baseUrl: 'api.instavm.io' }, /baseUrl must be an absolute/],
    [{ ...ok, baseUrl: 'https://user:pw@api.instavm.io' }, /baseUrl must not hold credentials/],
    [{ ...ok, prefix: 'instavm' }, /prefix must be a path/],
    [{ ...ok, prefix: '/a/../b' }, /prefix must be plain path segments/],
    [{ ...ok, allowedOrigins: ['https://app.example/'] }, /allowedOrigins\[0\] must be an origin/],
    [{ ...ok, allowedOrigins: ['*'] }, /allowedOrigins\[0\]/],
    [{ ...ok, authorize: true }, /authorize is required: a function/],
    [{ apiKey: 'instavm_sk_config' }, /authorize is required: a function .* or 'public'/],
    [{ ...ok, owner: 'alice' }, /owner must be a function/],
    [{ ...ok, sharedSnapshots: 'system' }, /sharedSnapshots .* needs the owner option/],
    [{ ...ok, owner: () => 'a', sharedSnapshots: 'all' }, /sharedSnapshots must be 'system' or a function/],
    [{ ...ok, origin: 'https://app.example/' }, /origin must be an origin/],
    [{ ...ok, origin: ['https://a.example', 'http://app.example'] }, /origin\[1\] must be https/],
    [{ ...ok, origin: 42 }, /origin must be an origin or an array of origins/],
    [{ ...ok, orign: 'https://app.example' }, /orign is not an option; did you mean origin\?/],
    [{ ...ok, maxBodyBytes: -1 }, /maxBodyBytes must be a whole number/],
    [{ ...ok, fetch: 'fetch' }, /fetch must be a function/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => createProxy(options), (e) => e instanceof TypeError && message.test(e.message) && e.message.startsWith('createProxy'), JSON.stringify(options));
  }
  // The key is never in a message, even in one about the key.
  const secret = 'instavm_sk_never_in_a_message';
  for (const bad of [`${secret}\r\n`, ` ${secret}`]) {
    assert.throws(() => createProxy({ authorize: 'public', apiKey: bad }), (e) => !e.message.includes(secret));
  }
  assert.throws(() => createProxy({ authorize: 'public', apiKey: secret, allow: [secret] }), (e) => !e.message.includes(`${secret}"; did`));
  // Good configurations, including an unset Worker binding for baseUrl.
  assert.equal(typeof createProxy({ ...ok, baseUrl: undefined, prefix: '/instavm/', allow: ['snapshots.*', 'vms.*', 'snapshots.ensure'], allowedOrigins: ['http://localhost:5173'] }), 'function');
  assert.throws(() => toNodeListener({}), /toNodeListener/);
});

// ---------------------------------------------------------------- property test of path matching

// The API's operations written out again, on purpose: an oracle independent of
// js/operations.js, so a wrong entry there (a method or a path) fails here
// instead of being trusted by the tests that check the proxy against it.
const OPS = {
  'snapshots.list': ['GET', '/v1/snapshots'],
  'snapshots.create': ['POST', '/v1/snapshots'],
  'snapshots.get': ['GET', '/v1/snapshots/{}'],
  'snapshots.delete': ['DELETE', '/v1/snapshots/{}'],
  'vms.create': ['POST', '/v1/vms'],
  'vms.list': ['GET', '/v1/vms'],
  'vms.listAll': ['GET', '/v1/vms/'],
  'vms.get': ['GET', '/v1/vms/{}'],
  'vms.update': ['PATCH', '/v1/vms/{}'],
  'vms.delete': ['DELETE', '/v1/vms/{}'],
  'vms.snapshot': ['POST', '/v1/vms/{}/snapshot'],
  'vms.clone': ['POST', '/v1/vms/{}/clone'],
  'vms.suspend': ['POST', '/v1/vms/{}/suspend'],
  'vms.resume': ['POST', '/v1/vms/{}/resume'],
  'vms.stageEnv': ['POST', '/v1/vms/{}/stage-env'],
  'vms.mountVolume': ['POST', '/v1/vms/{}/volumes'],
  'vms.listVolumes': ['GET', '/v1/vms/{}/volumes'],
  'vms.unmountVolume': ['DELETE', '/v1/vms/{}/volumes/{}'],
};

test("every operation of the table is a route of the emulator's, reached through the proxy", { timeout: 30_000 }, async () => {
  const key = freshKey('proxy_routes');
  const proxy = createProxy({ authorize: 'public', apiKey: key, baseUrl: BASE_URL, allow: ['snapshots.*', 'vms.*'] });
  for (const [name, [method, pattern]] of Object.entries(OPS)) {
    // Ids that exist nowhere, and a body every POST refuses (nothing is made).
    const body = method === 'POST' || method === 'PATCH' ? '{"vcpu_count":0}' : undefined;
    const r = await proxy(new Request(`http://proxy.test${pattern.replace(/\{\}/g, 'x')}`, { method, body, headers: body ? { 'content-type': 'application/json' } : {} }));
    const text = await r.text();
    assert.ok(![405].includes(r.status) && !/^\{"detail":"(Not Found|Method Not Allowed)"\}$/.test(text), `${name}: ${method} ${pattern} is no route of the emulator (${r.status} ${text})`);
  }
  assert.deepEqual((await requestLog(key)).map((r) => r.method + ' ' + r.path), Object.values(OPS).map(([m, p]) => `${m} ${p.replace(/\{\}/g, 'x')}`));
  const vms = await fetch(`${BASE_URL}/v1/vms/`, { headers: { 'X-API-Key': key } });
  assert.deepEqual(await vms.json(), [], 'nothing was made');
});

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The operation a path names read literally, segment by segment, as the API's own router reads it. */
function literalOperation(path, method) {
  const have = path.split('/');
  for (const [name, [m, pattern]] of Object.entries(OPS)) {
    const want = pattern.split('/');
    if (m !== method || want.length !== have.length) continue;
    if (want.every((w, i) => (w === '{}' ? have[i] !== '' : w === have[i]))) return { name, ids: have.filter((_, i) => want[i] === '{}') };
  }
  return null;
}

function decodes(segment) {
  try {
    const id = decodeURIComponent(segment);
    return id !== '.' && id !== '..' && !/[/\\\u0000-\u001f\u007f]/.test(id) ? id : null;
  } catch {
    return null;
  }
}

test('property: of 4000 random paths, each reaches the operation it literally names, with the same ids, or nothing; ids holding / after decoding are refused', { timeout: 60_000 }, async () => {
  const random = rng(19);
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const PIECES = ['v1', 'snapshots', 'vms', 'volumes', 'snapshot', 'clone', 'suspend', 'resume', 'stage-env', 'instavm', '', '.', '..', '%2e', '%2E%2e', '.%2e', '%2F', '%2f', '%5C', '\\', '%', '%zz', '%C3%A9', '%F0%9F%98%80', '%00', '%0A', 'é', '😀', 'ü/x', 'snap_1', 'vm_1', 'a;b', 'a%3Bb', '..%2F..', '%2e%2e%2f', ' ', '+', '@', ':'];
  const METHODS = ['GET', 'POST', 'PATCH', 'DELETE', 'PUT'];
  const calls = [];
  const proxy = createProxy({ authorize: 'public', apiKey: 'instavm_sk_property', baseUrl: 'https://upstream.test', prefix: '/instavm', allow: ['snapshots.*', 'vms.*'], fetch: async (url, init) => {
    calls.push({ url, method: init.method });
    return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
  } });
  let forwarded = 0;
  for (let n = 0; n < 4000; n++) {
    const segments = Array.from({ length: 1 + Math.floor(random() * 6) }, () => (random() < 0.5 ? pick(PIECES) : pick(PIECES) + pick(PIECES)));
    // Mostly literal instances of a pattern, with random ids and the prefix; the rest free-form.
    let path;
    if (random() < 0.6) {
      const [, pattern] = OPS[pick(Object.keys(OPS))];
      path = '/instavm' + pattern.replace(/\{\}/g, () => segments[Math.floor(random() * segments.length)] || 'x');
    } else path = (random() < 0.8 ? '/instavm/' : '/') + segments.join(random() < 0.9 ? '/' : '//');
    const method = pick(METHODS);
    calls.length = 0;
    let request;
    try {
      request = new Request(`http://proxy.test${path}`, { method, body: method === 'GET' ? undefined : '{}' });
    } catch {
      continue;
    }
    const response = await proxy(request);
    // The path as every URL parser (and so every runtime) reads it.
    const normalised = new URL(request.url).pathname;
    const inside = normalised.startsWith('/instavm/') ? normalised.slice('/instavm'.length) : null;
    const literal = inside === null ? null : literalOperation(inside, method);
    const ids = literal?.ids.map(decodes);
    const label = `${method} ${path} (read as ${normalised})`;
    if (literal && !ids.includes(null)) {
      forwarded++;
      assert.equal(calls.length, 1, `${label} is ${literal.name}: forwarded once`);
      assert.equal(calls[0].method, method);
      const sent = new URL(calls[0].url);
      const reached = literalOperation(sent.pathname, method);
      assert.equal(reached?.name, literal.name, `${label} reached ${reached?.name}, not ${literal.name}`);
      assert.deepEqual(reached.ids.map((s) => decodeURIComponent(s)), ids, `${label}: the same ids`);
      assert.equal(response.status, 200);
    } else {
      assert.equal(calls.length, 0, `${label} is no operation with plain ids, yet was forwarded to ${calls[0]?.url}`);
      assert.ok([400, 404, 405].includes(response.status), `${label}: ${response.status}`);
      if (literal) assert.equal(response.status, 400, `${label}: an id that is no single segment is a 400`);
    }
  }
  assert.ok(forwarded > 500, `only ${forwarded} of 4000 paths were operations: the generator lost its aim`);
});

test('property: every operation with 500 random ids (unicode, %, ., /) forwards the id unchanged, and refuses ids that decode to a path', async () => {
  const random = rng(7);
  const ALPHABET = ['a', 'Z', '0', '-', '_', '.', '~', '%', '/', '\\', '?', '#', ' ', '+', '&', '=', ';', 'é', '😀', '中', '\u00a0', '%2F', '%25'];
  const calls = [];
  const proxy = createProxy({ authorize: 'public', apiKey: 'instavm_sk_property', baseUrl: 'https://upstream.test', allow: ['snapshots.*', 'vms.*'], fetch: async (url, init) => {
    calls.push({ url, method: init.method });
    return new Response(null, { status: 204 });
  } });
  for (const [name, [method, pattern]] of Object.entries(OPS).filter(([, [, p]]) => p.includes('{}'))) {
    for (let n = 0; n < 500; n++) {
      const ids = pattern.split('{}').slice(1).map(() => Array.from({ length: 1 + Math.floor(random() * 8) }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join(''));
      let i = 0;
      const path = pattern.replace(/\{\}/g, () => encodeURIComponent(ids[i++]));
      calls.length = 0;
      const request = new Request(`http://proxy.test${path}`, { method, body: method === 'GET' ? undefined : '{}' });
      const response = await proxy(request);
      // An id of . or .. is no id a URL can carry: every URL parser resolves it
      // away first. What the proxy did must then be what the resolved path names.
      const normalised = new URL(request.url).pathname;
      if (normalised !== path) {
        const literal = literalOperation(normalised, method);
        if (calls.length) assert.equal(literalOperation(new URL(calls[0].url).pathname, method)?.name, literal?.name, `${method} ${path} read as ${normalised}`);
        continue;
      }
      const plain = ids.every((id) => id !== '.' && id !== '..' && !/[/\\]/.test(id));
      if (plain) {
        assert.equal(calls.length, 1, `${name} ${JSON.stringify(ids)}: forwarded`);
        const reached = literalOperation(new URL(calls[0].url).pathname, method);
        assert.equal(reached?.name, name);
        assert.deepEqual(reached.ids.map((s) => decodeURIComponent(s)), ids);
      } else {
        assert.equal(calls.length, 0, `${name} ${JSON.stringify(ids)}: refused, not forwarded`);
        assert.notEqual(response.status, 204);
      }
    }
  }
});

// ---------------------------------------------------------------- other runtimes

test('in workerd (Miniflare): a Worker serving createProxy lists through it, and refuses with nothing sent', { timeout: 60_000 }, async () => {
  const key = freshKey('proxy_workerd');
  const entry = join(work, 'proxy-worker.js');
  writeFileSync(entry, `import { createProxy } from 'instavm-wasm/proxy';
export default {
  fetch(request, env) {
    return createProxy({ authorize: 'public', apiKey: env.KEY, baseUrl: env.BASE, prefix: '/instavm', allow: ['snapshots.list', 'snapshots.create', 'snapshots.get'] })(request);
  },
};
`);
  const mf = await startWorker(entry, join(work, 'proxy-worker-dist'), { compatibilityDate: '2026-04-01', bindings: { KEY: key, BASE: BASE_URL } });
  try {
    const made = await mf.dispatchFetch('http://localhost/instavm/v1/snapshots', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'idem-workerd' }, body: '{"oci_image":"alpine"}' });
    const snapshot = await made.json();
    assert.equal(made.status, 201, JSON.stringify(snapshot));
    const list = await mf.dispatchFetch('http://localhost/instavm/v1/snapshots', { headers: { 'x-api-key': 'instavm_sk_caller' } });
    assert.equal(list.status, 200);
    assert.deepEqual((await list.json()).map((s) => s.id), [snapshot.id]);
    const before = (await requestLog(key)).length;
    const refused = await mf.dispatchFetch(`http://localhost/instavm/v1/snapshots/${snapshot.id}`, { method: 'DELETE' });
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).operation, 'snapshots.delete');
    const traversal = await mf.dispatchFetch('http://localhost/instavm/v1/snapshots/..%2Fvms');
    assert.equal(traversal.status, 400);
    await traversal.arrayBuffer();
    assert.equal((await requestLog(key)).length, before, 'nothing was sent upstream');
    await fetch(`${BASE_URL}/v1/snapshots/${snapshot.id}`, { method: 'DELETE', headers: { 'X-API-Key': key } });
  } finally {
    await mf.dispose();
  }
});

const SERVE_SCRIPT = `import { createProxy } from 'instavm-wasm/proxy';
const proxy = createProxy({ authorize: 'public', apiKey: globalThis.Deno ? Deno.env.get('PROXY_KEY') : process.env.PROXY_KEY, baseUrl: globalThis.Deno ? Deno.env.get('PROXY_BASE') : process.env.PROXY_BASE, prefix: '/instavm', allow: ['snapshots.list'] });
if (globalThis.Deno) {
  Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log('LISTENING http://127.0.0.1:' + port) }, proxy);
} else {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: proxy });
  console.log('LISTENING http://127.0.0.1:' + server.port);
}
`;

for (const runtime of ['deno', 'bun']) {
  test(`${runtime === 'deno' ? 'Deno.serve' : 'Bun.serve'} serves the same handler: the keyless client lists through it`, { timeout: 60_000 }, async () => {
    const key = freshKey(`proxy_${runtime}`);
    const script = join(here, 'proxy-serve.mjs');
    writeFileSync(script, SERVE_SCRIPT);
    const port = new URL(BASE_URL).port;
    const args = runtime === 'deno' ? ['run', `--allow-net=127.0.0.1`, '--allow-read', '--allow-env=PROXY_KEY,PROXY_BASE', script] : [script];
    const url = await startServing(repoBin(here, runtime), args, { cwd: here, closers, env: { PROXY_KEY: key, PROXY_BASE: BASE_URL, DENO_DIR: join(here, '.deno-cache') } });
    assert.ok(port);
    const client = keylessClient(`${url}/instavm`);
    assert.deepEqual(await client.snapshots.list(), []);
    const e = await client.snapshots.create({ oci_image: 'alpine' }).then(() => null, (err) => err);
    assert.ok(e instanceof ForbiddenError, String(e));
    assert.deepEqual((await requestLog(key)).map((r) => `${r.method} ${r.path}`), ['GET /v1/snapshots']);
  });
}

test('hardening: risky configuration is refused, answers are JSON only, the key is scrubbed in every form, limits hold', { timeout: 30_000 }, async () => {
  const ok = { apiKey: 'instavm_sk_hardening_0123456789', authorize: 'public', allow: ['snapshots.list', 'snapshots.create'] };
  const refused = [
    [{ ...ok, baseUrl: 'http://api.instavm.io' }, /baseUrl must be https:\/\/ unless it is on this machine.*in clear to api\.instavm\.io/],
    [{ ...ok, baseUrl: 'https://evil.example\\@api.instavm.io' }, /baseUrl must not hold credentials or an @/],
    [{ ...ok, baseUrl: 'https://api.instavm.io\\evil' }, /baseUrl must not hold a backslash/],
    [{ ...ok, allowedOrigins: ['http://app.example'] }, /allowedOrigins\[0\] must be https:\/\/ unless it is on this machine/],
    [{ ...ok, allowedOrigins: ['https://*.example.com'] }, /allowedOrigins\[0\] "https:\/\/\*\.example\.com": wildcards/],
    [{ ...ok, allowCredentials: 'yes' }, /allowCredentials must be true or false/],
    [{ ...ok, timeoutMs: 0 }, /timeoutMs must be a whole number of milliseconds from 1/],
    [{ ...ok, maxAnswerBytes: -1 }, /maxAnswerBytes must be/],
    [{ ...ok, maxInFlight: 1.5 }, /maxInFlight must be a whole number from 1/],
  ];
  for (const [options, message] of refused) assert.throws(() => createProxy(options), message, JSON.stringify(options));
  // This machine's http is fine: an emulator.
  for (const baseUrl of ['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787']) assert.equal(typeof createProxy({ ...ok, baseUrl }), 'function');
  assert.equal(typeof createProxy({ ...ok, allowedOrigins: ['http://localhost:5173', 'https://app.example'], allowCredentials: true }), 'function');

  const key = ok.apiKey;
  const b64 = Buffer.from(key).toString('base64');
  const forms = {
    exact: key,
    upper: key.toUpperCase(),
    hex: Buffer.from(key).toString('hex'),
    HEX: Buffer.from(key).toString('hex').toUpperCase(),
    percent: [...Buffer.from(key)].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''),
    unicode: [...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
    base64: b64,
    'base64 inside': Buffer.from(`x:${key}:y`).toString('base64'),
    'base64 shifted': Buffer.from(`ab${key}`).toString('base64url'),
  };
  let answer = () => new Response('{}', { headers: { 'content-type': 'application/json' } });
  let calls = 0;
  const upstream = async (url, init) => {
    calls += 1;
    return answer(init);
  };
  const proxy = createProxy({ ...ok, baseUrl: 'https://upstream.test', fetch: upstream, maxAnswerBytes: 1000, timeoutMs: 200, maxInFlight: 1 });
  const get = () => proxy(new Request('http://proxy.test/v1/snapshots'));
  for (const [name, text] of Object.entries(forms)) {
    // Written as the server's JSON text: a \\u escape stands in the body as it is.
    answer = () => new Response(`{"detail":"echo ${text} end"}`, { headers: { 'content-type': 'application/json', 'x-request-id': text } });
    const r = await get();
    const body = await r.text();
    assert.ok(body.includes('[redacted]'), `${name}: ${body}`);
    assert.ok(!body.includes(text) && !body.toLowerCase().includes(key.toLowerCase()), `${name} passed: ${body}`);
    assert.equal(r.headers.get('x-request-id'), null, `${name}: a header holding the key is dropped`);
  }
  // Only JSON: an HTML page or plain text from upstream is a 502, not served from the app's origin.
  for (const type of ['text/html; charset=utf-8', 'text/plain', null]) {
    answer = () => new Response('<h1>Bad Gateway</h1>', { status: 502, headers: type ? { 'content-type': type } : {} });
    const r = await get();
    assert.equal(r.status, 502);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.match((await r.json()).detail, /not JSON/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  }
  answer = () => new Response('{"detail":"x"}', { status: 404, headers: { 'content-type': 'application/problem+json' } });
  assert.equal((await get()).status, 404, 'a +json type passes');
  answer = () => new Response(null, { status: 204 });
  assert.equal((await get()).status, 204, 'an empty answer passes');
  // Too large an answer: a 502, not buffered whole.
  answer = () => new Response(JSON.stringify({ padding: 'x'.repeat(5000) }), { headers: { 'content-type': 'application/json' } });
  const big = await get();
  assert.equal(big.status, 502);
  assert.match((await big.json()).detail, /over 1000 bytes/);
  // An upstream that never answers: a 504 after timeoutMs.
  answer = (init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
  const t0 = performance.now();
  const slow = await get();
  assert.equal(slow.status, 504);
  assert.match((await slow.json()).detail, /did not answer within 200 ms/);
  assert.ok(performance.now() - t0 < 2000);
  // maxInFlight: a second request while one is under way is a 503, sending nothing.
  let release;
  answer = () => new Promise((resolve) => (release = () => resolve(new Response('[]', { headers: { 'content-type': 'application/json' } }))));
  const proxyWide = createProxy({ ...ok, baseUrl: 'https://upstream.test', fetch: upstream, maxInFlight: 1 });
  const first = proxyWide(new Request('http://proxy.test/v1/snapshots'));
  await new Promise((r) => setTimeout(r, 20));
  const before = calls;
  const second = await proxyWide(new Request('http://proxy.test/v1/snapshots'));
  assert.equal(second.status, 503);
  assert.equal(second.headers.get('retry-after'), '1');
  assert.equal(calls, before, 'nothing sent past the cap');
  release();
  assert.equal((await first).status, 200);
  const third = proxyWide(new Request('http://proxy.test/v1/snapshots'));
  await new Promise((r) => setTimeout(r, 20));
  release();
  assert.equal((await third).status, 200, 'the slot is free again');
});

test('only the contract\'s query parameters pass, per operation; anything else is a 400 naming it, and nothing is sent', async () => {
  const sent = [];
  const upstream = async (url) => {
    sent.push(url);
    return new Response('[]', { headers: { 'content-type': 'application/json' } });
  };
  const proxy = createProxy({ authorize: 'public', apiKey: 'instavm_sk_query_0123456789', baseUrl: 'https://upstream.test', allow: ['snapshots.*', 'vms.*'], fetch: upstream });
  const call = (method, target) => proxy(new Request(`http://proxy.test${target}`, { method, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' }));
  for (const [method, target] of [
    ['GET', '/v1/snapshots?type=user&owner=someone-else'],
    ['GET', '/v1/snapshots/snap_1?type=user'],
    ['GET', '/v1/vms?all=true'],
    ['POST', '/v1/vms?wait=true&metadata=x'],
    ['DELETE', '/v1/vms/vm_1/volumes/vol_1?mount_path=%2Fdata&force=1'],
  ]) {
    const r = await call(method, target);
    assert.equal(r.status, 400, target);
    const body = await r.json();
    assert.match(body.detail, /query parameter "\w+" is not passed on/, target);
    assert.ok(['owner', 'type', 'all', 'metadata', 'force'].includes(body.parameter), target);
  }
  assert.deepEqual(sent, [], 'nothing was sent upstream');
  for (const [method, target, upstreamTarget] of [
    ['GET', '/v1/snapshots?type=user', '/v1/snapshots?type=user'],
    ['POST', '/v1/vms?wait=false', '/v1/vms?wait=false'],
    ['POST', '/v1/vms/vm_1/resume?wait=true', '/v1/vms/vm_1/resume?wait=true'],
    ['DELETE', '/v1/vms/vm_1/volumes/vol_1?mount_path=%2Fdata&wait=true', '/v1/vms/vm_1/volumes/vol_1?mount_path=%2Fdata&wait=true'],
    ['GET', '/v1/snapshots?type=a%26b%3Dc', '/v1/snapshots?type=a%26b%3Dc'],
  ]) {
    const r = await call(method, target);
    assert.equal(r.status, 200, target);
    assert.equal(sent.pop(), `https://upstream.test${upstreamTarget}`);
  }
});

test('a method in another case than the API\'s, or unknown, is a 405 and is not sent', async () => {
  let sent = 0;
  const proxy = createProxy({ authorize: 'public', apiKey: 'instavm_sk_methods_0123456789', baseUrl: 'https://upstream.test', allow: ['vms.*'], fetch: async () => (sent++, new Response('{}', { headers: { 'content-type': 'application/json' } })) });
  for (const method of ['patch', 'Patch', 'PURGE', 'PUT']) {
    const r = await proxy(new Request('http://proxy.test/v1/vms/vm_1', { method, body: '{}' }));
    assert.equal(r.status, 405, method);
  }
  assert.equal(sent, 0);
  assert.equal((await proxy(new Request('http://proxy.test/v1/vms/vm_1', { method: 'PATCH', body: '{}' }))).status, 200);
});

test('Host cannot move the path: the Node adapter routes the request target, and a URL with a fragment is refused', async () => {
  const upstream = recording();
  const key = freshKey('proxy_host');
  const origin = await serve(createProxy({ authorize: 'public', apiKey: key, baseUrl: BASE_URL, prefix: '/instavm', allow: ['snapshots.list', 'vms.*'], fetch: upstream.fetch }));
  for (const host of ['x/instavm/v1/vms/victim#', 'x/instavm/v1/vms/victim?', 'evil.example@x', 'a b']) {
    const r = await raw(origin, 'GET', '/instavm/v1/snapshots', { headers: { host } });
    assert.equal(r.status, 200, `${host}: ${r.text}`);
  }
  assert.ok(upstream.calls.length >= 4 && upstream.calls.every((c) => c.url === `${BASE_URL}/v1/snapshots`), JSON.stringify(upstream.calls.map((c) => c.url)));
  // As Deno builds it from such a Host: the path is no longer the target's.
  const proxy = createProxy({ authorize: 'public', apiKey: key, baseUrl: BASE_URL, prefix: '/instavm', allow: ['snapshots.list', 'vms.*'], fetch: upstream.fetch });
  const before = upstream.calls.length;
  const r = await proxy(new Request('http://x/instavm/v1/vms/victim#/instavm/v1/snapshots', { method: 'DELETE' }));
  assert.equal(r.status, 400);
  assert.equal(upstream.calls.length, before, 'nothing sent');
});

test("authorize sees the operation, the ids decoded as they are sent and the query: a check on vm_prod holds against vm%5Fprod", async () => {
  const sent = [];
  const seen = [];
  const proxy = createProxy({
    apiKey: 'instavm_sk_authorize_ids_0123',
    baseUrl: 'https://upstream.test',
    prefix: '/instavm',
    allow: ['vms.*'],
    authorize: (request, call) => {
      seen.push(call);
      return !call.ids.includes('vm_prod');
    },
    fetch: async (url, init) => (sent.push(`${init.method} ${url}`), new Response('{"status":"ok"}', { headers: { 'content-type': 'application/json' } })),
  });
  for (const path of ['/instavm/v1/vms/vm_prod', '/instavm/v1/vms/vm%5Fprod', '/instavm/v1/vms/%76%6d%5f%70%72%6f%64']) {
    const r = await proxy(new Request(`http://proxy.test${path}`, { method: 'DELETE' }));
    assert.equal(r.status, 403, path);
  }
  assert.deepEqual(sent, [], 'no spelling of vm_prod was sent');
  assert.deepEqual(seen.map((c) => c.ids), [['vm_prod'], ['vm_prod'], ['vm_prod']]);
  const other = await proxy(new Request('http://proxy.test/instavm/v1/vms/vm_dev/volumes/vol%201?mount_path=%2Fdata&wait=true', { method: 'DELETE' }));
  assert.equal(other.status, 200);
  assert.deepEqual(seen.at(-1), { operation: 'vms.unmountVolume', ids: ['vm_dev', 'vol 1'], query: { mount_path: '/data', wait: 'true' } });
  assert.deepEqual(sent, ['DELETE https://upstream.test/v1/vms/vm_dev/volumes/vol%201?mount_path=%2Fdata&wait=true']);
});

test('a key is scrubbed with its / written \\/ as some JSON encoders do; a key holding " \\ < > & or \' is refused, having too many spellings', async () => {
  const key = 'instavm_sk_ab/cd+ef/gh=';
  for (const detail of [JSON.stringify(`bad key ${key}`), JSON.stringify(`bad key ${key}`).replace(/\//g, '\\/')]) {
    const proxy = createProxy({ authorize: 'public', apiKey: key, baseUrl: 'https://upstream.test', allow: ['snapshots.list'], fetch: async () => new Response(`{"detail":${detail}}`, { status: 401, headers: { 'content-type': 'application/json' } }) });
    const r = await proxy(new Request('http://proxy.test/v1/snapshots'));
    const text = await r.text();
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(text).detail, 'bad key [redacted]', `${detail} -> ${text}`);
  }
  for (const bad of ['instavm_sk_ab"cd', 'instavm_sk_ab\\cd', 'instavm_sk_<cd>', 'instavm_sk_a&b', "instavm_sk_a'b"]) {
    assert.throws(() => createProxy({ authorize: 'public', apiKey: bad }), (e) => /apiKey must not hold/.test(e.message) && !e.message.includes(bad), bad);
  }
});

test('authorize may answer 401 or a Response of its own; onError sees the errors the caller does not; with no key the proxy is made and answers 500 misconfigured; a wait whose poll is not allowed is warned of', async () => {
  const upstream = async () => Response.json([], { headers: { 'x-request-id': 'req_1' } });
  const base = { apiKey: 'instavm_sk_codes_0123456789', baseUrl: 'https://upstream.test', allow: ['snapshots.*'], fetch: upstream };
  const get = (proxy, headers = {}) => proxy(new Request('http://proxy.test/v1/snapshots', { headers }));

  const signIn = createProxy({ ...base, authorize: (request) => (request.headers.has('cookie') ? true : 401) });
  const anonymous = await get(signIn);
  assert.equal(anonymous.status, 401);
  assert.deepEqual(await anonymous.json(), { detail: 'instavm proxy: snapshots.list: sign in first', code: 'unauthenticated', operation: 'snapshots.list' });
  assert.equal((await get(signIn, { cookie: 's=1' })).status, 200);

  const own = createProxy({ ...base, authorize: () => Response.json({ login: '/login' }, { status: 401, headers: { 'www-authenticate': 'Bearer' } }) });
  const answered = await get(own);
  assert.equal(answered.status, 401);
  assert.equal(answered.headers.get('www-authenticate'), 'Bearer');
  assert.equal(answered.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(await answered.json(), { login: '/login' });

  const seen = [];
  const onError = (error, context) => seen.push({ message: error.message, operation: context.operation, request: context.request instanceof Request });
  const failing = createProxy({ ...base, authorize: () => { throw new Error('session store down'); }, onError });
  assert.equal((await get(failing)).status, 500);
  const unreachable = createProxy({ ...base, authorize: 'public', onError, fetch: async () => { throw new TypeError('fetch failed'); } });
  const down = await get(unreachable);
  assert.equal(down.status, 502);
  assert.equal((await down.json()).code, 'upstream_unreachable');
  assert.deepEqual(seen, [
    { message: 'session store down', operation: 'snapshots.list', request: true },
    { message: 'fetch failed', operation: 'snapshots.list', request: true },
  ]);

  // As in a build with no environment: made without a key, refusing every request with a 500 and one log line.
  const logged = [];
  const keyless = createProxy({ ...base, apiKey: process.env.INSTAVM_KEY_THAT_IS_NOT_SET, authorize: 'public', onError: (e) => logged.push(e.message) });
  for (let i = 0; i < 2; i++) {
    const r = await get(keyless);
    assert.equal(r.status, 500);
    assert.equal((await r.json()).code, 'misconfigured');
  }
  assert.equal(logged.length, 1);
  assert.match(logged[0], /apiKey is undefined: set the InstaVM API key \(INSTAVM_API_KEY\)/);
  // Readable by the pages it serves (an allowed origin gets its CORS headers); outside its prefix, still a 404.
  const keylessCors = createProxy({ ...base, apiKey: '', prefix: '/instavm', authorize: 'public', allowedOrigins: ['https://app.example'], onError: () => {} });
  const cross = await keylessCors(new Request('http://proxy.test/instavm/v1/snapshots', { headers: { origin: 'https://app.example' } }));
  assert.equal(cross.status, 500);
  assert.equal(cross.headers.get('access-control-allow-origin'), 'https://app.example');
  assert.equal((await cross.json()).code, 'misconfigured');
  assert.equal((await keylessCors(new Request('http://proxy.test/elsewhere'))).status, 404);

  // The default log line is scrubbed as answers are: the key in any form it could take.
  const secret = 'instavm_sk_live_SECRET1234';
  const lines = [];
  const error = console.error;
  console.error = (line) => lines.push(line);
  try {
    const leaky = createProxy({ ...base, apiKey: secret, authorize: () => { throw new Error(`upstream auth failed: Basic ${btoa(`u:${secret}`)} / ${secret.toLowerCase()} / ${secret}`); } });
    assert.equal((await get(leaky)).status, 500);
  } finally {
    console.error = error;
  }
  assert.equal(lines.length, 1);
  assert.ok(!lines[0].toLowerCase().includes(secret.toLowerCase()), lines[0]);
  assert.match(lines[0], /\[redacted\].*\[redacted\].*\[redacted\]/);

  // A create allowed without the get its wait polls: a warning at createProxy, naming both.
  const warned = [];
  const warn = console.warn;
  console.warn = (line) => warned.push(line);
  try {
    createProxy({ ...base, authorize: 'public', allow: ['snapshots.create', 'vms.create', 'vms.get'] });
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(warned.length, 1, warned.join('\n'));
  assert.match(warned[0], /allow has snapshots\.create but not snapshots\.get.*Allow 'snapshots\.get' too/);
});
