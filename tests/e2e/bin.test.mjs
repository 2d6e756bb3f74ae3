// `npx instavm-emulator`: the emulator server a user with only Node gets from
// the installed package (the wasm core behind node:http). Run from the
// scratch project where the packed tarball is installed; every server is
// started as a user starts it, through node_modules/.bin, and none outlives
// the file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InstaVM, NotFoundError } from 'instavm-wasm';

const BIN = join(process.cwd(), 'node_modules', '.bin', 'instavm-emulator');
const LISTENING = /^instavm-emulator listening on (http:\/\/127\.0\.0\.1:(\d+))$/;
const children = new Set();

after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** The exit of `child`: `{ code, signal }`, or a failure after `ms`. */
function exited(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Runs the command to its end: exit code and output. */
async function run(cmd, args, ms = 8000) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const { code } = await exited(child, ms);
  // 'exit' can come before the pipes are drained.
  await new Promise((r) => setImmediate(r));
  return { code, stdout, stderr };
}

/** Starts a server and resolves once it printed its line: its URL and port. */
async function start(args) {
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 8 s; stdout ${stdout} stderr ${stderr}`)), 8000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!stdout.includes('\n')) return;
      clearTimeout(timer);
      const line = stdout.slice(0, stdout.indexOf('\n'));
      const m = LISTENING.exec(line);
      if (m) resolve(m[1]);
      else reject(new Error(`unexpected first line ${JSON.stringify(line)}`));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
  return { child, url, port: Number(new URL(url).port), output: () => ({ stdout, stderr }) };
}

test('the installed bin serves the API: the client builds, lists, gets, deletes and boots a VM over HTTP', { timeout: 15_000 }, async () => {
  const server = await start(['--port', '0', '--build-ms', '200', '--boot-ms', '100']);
  assert.notEqual(server.port, 0, 'the line names the port actually chosen');
  const client = new InstaVM({ apiKey: 'bin-test', baseUrl: server.url });
  const seen = [];
  const snap = await client.snapshots.create({ oci_image: 'docker.io/library/python:3.11-slim' }, { wait: true, pollIntervalMs: 50, onStatus: (s) => seen.push(s.status) });
  assert.equal(snap.status, 'ready');
  assert.equal(seen.at(-1), 'ready');
  assert.ok((await client.snapshots.list()).some((s) => s.id === snap.id));
  assert.equal((await client.snapshots.get(snap.id)).id, snap.id);
  const vm = await client.vms.create({ snapshot_id: snap.id }, true);
  assert.equal(vm.status, 'active');
  await client.vms.delete(vm.vm_id);
  await client.snapshots.delete(snap.id);
  assert.ok((await client.snapshots.get(snap.id).catch((e) => e)) instanceof NotFoundError);

  // The emulator-only log, through the bin: what this key sent, in order.
  const log = await fetch(`${server.url}/_emulator/requests`, { headers: { 'X-API-Key': 'bin-test' } });
  assert.equal(log.status, 200);
  const { requests } = await log.json();
  assert.deepEqual(requests[0] && [requests[0].method, requests[0].path], ['POST', '/v1/snapshots']);
  assert.ok(requests.some((r) => r.method === 'DELETE' && r.path === `/v1/snapshots/${snap.id}`));

  // CORS comes from the core, whole: a page on another origin may call it.
  const preflight = await fetch(`${server.url}/v1/snapshots`, { method: 'OPTIONS', headers: { Origin: 'http://page.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-api-key,content-type' } });
  assert.ok(preflight.status < 300, `preflight ${preflight.status}`);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-api-key/);
  const listed = await fetch(`${server.url}/v1/snapshots`, { headers: { 'X-API-Key': 'bin-test', Origin: 'http://page.example' } });
  assert.equal(listed.headers.get('access-control-allow-origin'), '*');
  assert.ok(listed.headers.get('x-request-id'));

  // No key: the server's 401, with its JSON detail.
  const anonymous = await fetch(`${server.url}/v1/snapshots`);
  assert.equal(anonymous.status, 401);
  assert.ok((await anonymous.json()).detail);

  // A forced reset drops the connection without an answer; the POST acted,
  // and the server carries on serving.
  const reset = await fetch(`${server.url}/v1/snapshots`, { method: 'POST', headers: { 'X-API-Key': 'bin-reset', 'Content-Type': 'application/json', 'X-Emulator-Fault': 'reset' }, body: '{"oci_image":"alpine"}' }).catch((e) => e);
  assert.ok(reset instanceof TypeError, `a dropped connection rejects fetch, got ${reset?.status ?? reset}`);
  const afterReset = await fetch(`${server.url}/v1/snapshots`, { headers: { 'X-API-Key': 'bin-reset' } });
  assert.equal(afterReset.status, 200);
  assert.equal((await afterReset.json()).filter((s) => s.oci_image === 'alpine').length, 1, 'the reset POST acted');

  // A body past the core's limit is refused by size, and the connection lives on.
  const huge = await fetch(`${server.url}/v1/snapshots`, { method: 'POST', headers: { 'X-API-Key': 'bin-test', 'Content-Type': 'application/json' }, body: 'x'.repeat(3 * 1024 * 1024) });
  assert.equal(huge.status, 413);
  assert.equal(server.output().stderr, '', 'nothing on stderr');
  server.child.kill('SIGTERM');
  assert.deepEqual(await exited(server.child, 3000), { code: 0, signal: null });
});

test('replay is off unless --idempotency; lost and gateway act, then lose the answer', { timeout: 15_000 }, async () => {
  const post = (url, extra = {}) => fetch(`${url}/v1/snapshots`, { method: 'POST', headers: { 'X-API-Key': 'k', 'Content-Type': 'application/json', 'Idempotency-Key': 'same', ...extra }, body: '{"oci_image":"alpine"}' });
  const plain = await start(['--port', '0']);
  const [a, b] = [await (await post(plain.url)).json(), await post(plain.url)];
  assert.notEqual((await b.json()).id, a.id, 'the key was ignored: a second snapshot');
  assert.ok((await post(plain.url, { 'X-Emulator-Fault': 'lost' }).catch((e) => e)) instanceof TypeError);
  assert.ok([502, 504].includes((await post(plain.url, { 'X-Emulator-Fault': 'gateway' })).status));
  assert.equal((await (await fetch(`${plain.url}/v1/snapshots`, { headers: { 'X-API-Key': 'k' } })).json()).length, 4, 'lost and gateway acted');
  plain.child.kill('SIGTERM');
  const replaying = await start(['--port', '0', '--idempotency']);
  const first = await (await post(replaying.url)).json();
  const again = await post(replaying.url);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal((await again.json()).id, first.id);
  replaying.child.kill('SIGTERM');
  assert.equal((await exited(replaying.child, 3000)).code, 0);
});

test('the flags reach the core, in both spellings: faults, seed and latency', { timeout: 15_000 }, async () => {
  const server = await start(['--port=0', '--faults=503:1', '--seed', '9', '--latency-ms=150..150', '--slow-ms', '100']);
  const t0 = performance.now();
  const r = await fetch(`${server.url}/v1/snapshots`, { headers: { 'X-API-Key': 'k' } });
  assert.equal(r.status, 503);
  assert.ok(performance.now() - t0 >= 140, 'the latency was applied');
  // `none` forces no fault: the route itself answers.
  assert.equal((await fetch(`${server.url}/v1/snapshots`, { headers: { 'X-API-Key': 'k', 'X-Emulator-Fault': 'none' } })).status, 200);
  server.child.kill('SIGTERM');
  assert.equal((await exited(server.child, 3000)).code, 0);
});

test('--help exits 0 with the usage, through npx as a user runs it', { timeout: 15_000 }, async () => {
  const r = await run('npx', ['--no-install', 'instavm-emulator', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^usage: instavm-emulator/);
  for (const flag of ['--host', '--port', '--build-ms', '--boot-ms', '--faults', '--seed', '--latency-ms', '--slow-ms', '--idempotency']) assert.ok(r.stdout.includes(flag), flag);
});

test('an unknown flag or a bad value exits 2, naming it and the nearest flag', { timeout: 15_000 }, async () => {
  const cases = [
    [['--buildms', '200'], /unknown option --buildms \(did you mean --build-ms\?\)/],
    [['--port', 'eighty'], /--port takes a number from 0 to 65535/],
    [['--faults', 'rest:0.1'], /unknown fault kind "rest" \(did you mean reset\?\)/],
    [['--faults', '429:2'], /probability of 429 must be a number from 0 to 1/],
    [['--latency-ms', '5..1'], /--latency-ms takes MIN\.\.MAX/],
    [['--seed'], /--seed needs a value/],
    [['--idempotency=yes'], /--idempotency takes no value/],
    [['--idempotence'], /unknown option --idempotence \(did you mean --idempotency\?\)/],
    [['--static', 'no-such-folder'], /--static takes DIR or \/prefix=DIR with an existing folder, got "no-such-folder"/],
  ];
  const results = await Promise.all(cases.map(([args]) => run(BIN, args)));
  results.forEach((r, i) => {
    assert.equal(r.code, 2, `${cases[i][0].join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, cases[i][1]);
    assert.equal(r.stdout, '', 'no listening line');
  });
});

test('--static serves a page beside the API on one origin: files, a folder\'s index.html, content types; nothing outside the folder; the API\'s paths win', { timeout: 15_000 }, async () => {
  const site = mkdtempSync(join(tmpdir(), 'instavm-static-'));
  const assets = join(site, 'assets');
  mkdirSync(join(site, 'v1'));
  mkdirSync(assets);
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>page</title>');
  writeFileSync(join(site, 'v1', 'snapshots'), 'a file that must not shadow the API');
  writeFileSync(join(assets, 'app.js'), 'export const x = 1;');
  writeFileSync(join(tmpdir(), 'instavm-static-secret.txt'), 'outside');
  writeFileSync(join(site, 'lib'), 'a file named like a prefix');
  const spaced = join(site, 'spaced');
  mkdirSync(spaced);
  writeFileSync(join(spaced, 'index.html'), 'spaced page');
  const server = await start(['--port', '0', '--static', site, '--static', `/lib=${assets}`, '--static', `/my app=${spaced}`]);
  const get = async (path, method = 'GET') => {
    const r = await fetch(`${server.url}${path}`, { method, headers: { 'x-api-key': 'instavm_sk_static' } });
    return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
  };
  const page = await get('/');
  assert.deepEqual([page.status, page.type, page.body], [200, 'text/html; charset=utf-8', '<!doctype html><title>page</title>']);
  assert.equal((await get('/index.html')).status, 200);
  const js = await get('/lib/app.js');
  assert.deepEqual([js.status, js.type, js.body], [200, 'text/javascript; charset=utf-8', 'export const x = 1;']);
  assert.equal((await get('/assets/app.js')).status, 200, 'the folder is under / too');
  assert.deepEqual(await get('/lib/app.js', 'HEAD'), { status: 200, type: 'text/javascript; charset=utf-8', body: '' });
  // The API answers its own paths, never a file of the same name.
  const api = await get('/v1/snapshots');
  assert.deepEqual([api.status, api.body], [200, '[]']);
  for (const outside of ['/..%2finstavm-static-secret.txt', '/lib/..%2f..%2finstavm-static-secret.txt', '/%2e%2e/instavm-static-secret.txt', '/missing.html']) {
    const r = await get(outside);
    assert.equal(r.status, 404, outside);
    assert.ok(JSON.parse(r.body).detail, `${outside}: the API's JSON 404`);
  }
  assert.equal((await get('/index.html', 'DELETE')).status, 404, 'files are read-only: another method reaches the API');
  // A prefix is matched as written, its URL encoded or not; a folder only with its slash (its
  // page's relative links resolve under it), a file only without one.
  assert.deepEqual([(await get('/my%20app/')).body, (await get('/my app/')).body], ['spaced page', 'spaced page']);
  for (const wrong of ['/my%20app', '/assets', '/index.html/', '/lib/app.js/']) assert.equal((await get(wrong)).status, 404, wrong);
  assert.equal((await get('/assets/')).status, 404, 'a folder without an index.html');
  // A path no longer than a prefix is looked for in the shorter prefix's folder; an encoded
  // slash matches no prefix and names no file.
  assert.deepEqual([(await get('/lib')).status, (await get('/lib')).body], [200, 'a file named like a prefix']);
  for (const encoded of ['/lib%2Fapp.js', '/lib%2fnope.css', '/assets%2Fapp.js']) {
    const r = await get(encoded);
    assert.equal(r.status, 404, encoded);
    assert.ok(JSON.parse(r.body).detail, `${encoded}: the API's JSON 404`);
  }
  server.child.kill('SIGTERM');
  await exited(server.child, 5000);
});

test('SIGTERM ends the server at once, even with a call waiting and a keep-alive connection open', { timeout: 15_000 }, async () => {
  const server = await start(['--port', '0', '--boot-ms', '60000']);
  const headers = { 'X-API-Key': 'k', 'Content-Type': 'application/json' };
  // A client that gives up mid-wait aborts its call; the server serves on.
  const gaveUp = await fetch(`${server.url}/v1/vms?wait=true`, { method: 'POST', headers, body: '{}', signal: AbortSignal.timeout(100) }).catch((e) => e);
  assert.equal(gaveUp?.name, 'TimeoutError');
  assert.equal((await fetch(`${server.url}/v1/vms/`, { headers })).status, 200);
  // This one waits for a boot a minute away when the signal comes.
  const waiting = fetch(`${server.url}/v1/vms?wait=true`, { method: 'POST', headers, body: '{}' }).then((r) => r.status, (e) => e);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  server.child.kill('SIGTERM');
  assert.deepEqual(await exited(server.child, 3000), { code: 0, signal: null });
  assert.ok(performance.now() - t0 < 2000, 'no wait for the boot');
  assert.ok((await waiting) instanceof TypeError, 'the waiting call lost its connection');
  assert.throws(() => process.kill(server.child.pid, 0), { code: 'ESRCH' }, 'no process left');
  await assert.rejects(fetch(`${server.url}/v1/snapshots`, { headers }), TypeError, 'nothing listens any more');
  assert.equal(server.output().stderr, '');
});
