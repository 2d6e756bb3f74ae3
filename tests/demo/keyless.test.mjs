// The demo page as `npm start` serves it: www/ and pkg/ on one node:http
// origin with instavm-wasm/proxy at /instavm in front of the emulator
// (scripts/lib/demo-server.mjs, started here). The page holds no key: every
// byte the browser receives is searched for the server's key, and every
// request it sends for an X-API-Key header. Each page is a browser context
// of its own, and so a user of its own (the server's session cookie): two of
// them see only their own records. Headless Chromium (Debian's, through
// Playwright); screenshots land in .tmp/artifacts (not committed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../ecosystem/chromium.mjs';
import { startDemoServer } from '../../scripts/lib/demo-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const artifacts = join(root, '.tmp', 'artifacts');
mkdirSync(artifacts, { recursive: true });

// The key the proxy holds. Only its random part is searched for (a leak of
// any of it counts), and no message below ever prints it.
const SECRET = randomBytes(16).toString('hex');
const SERVER_KEY = `instavm_sk_server_${SECRET}`;

let server;
let browser;
/** Every answer the browser received, read in full, and every request it sent. */
const received = [];
const sent = [];
const problems = [];

before(async () => {
  server = await startDemoServer({ port: 0, buildMs: 800, bootMs: 200, apiKey: SERVER_KEY });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A fresh page of the demo, every byte in and out recorded; resolves once it is connected. */
async function open(width = 1280) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (r) => sent.push(r.allHeaders().then((headers) => ({ url: r.url(), method: r.method(), headers, body: r.postData() ?? '' }))));
  page.on('response', (r) =>
    received.push(
      (async () => {
        const headers = await r.allHeaders();
        // A redirect or a dropped answer has no body to read.
        const body = await r.body().catch(() => Buffer.alloc(0));
        return { url: r.url(), status: r.status(), headers, body };
      })(),
    ),
  );
  await page.goto(`${server.url}/`);
  await page.getByText(/^Connected to/).waitFor();
  return page;
}

/** Whether the server's key (or its random part) is anywhere in `bytes`. */
const leaks = (bytes) => Buffer.from(bytes).includes(SECRET) || Buffer.from(bytes).toString('latin1').toLowerCase().includes(SECRET);

/** What the emulator behind the proxy saw under the server's key (the test asks it directly, not the browser). */
async function upstreamRequests() {
  const r = await fetch(`${server.emulatorUrl}/_emulator/requests`, { headers: { 'X-API-Key': SERVER_KEY } });
  return (await r.json()).requests;
}

test('served through the proxy, the page connects with no key and the badge says "Key held by the server"', async () => {
  const page = await open();
  assert.equal(await page.locator('#mode-badge').textContent(), 'Key held by the server');
  assert.equal(await page.locator('#mode-badge').getAttribute('data-mode'), 'proxy');
  const line = await page.locator('#connection').textContent();
  assert.match(line, new RegExp(`^Connected to ${server.url.replace(/[.]/g, '\\.')}/instavm \\(this page's proxy\\)$`));
  assert.equal(await page.evaluate(() => sessionStorage.getItem('instavm-demo-connection')), null, 'nothing saved: the default');
  await page.close();
});

test('a snapshot built through the form reaches ready and appears in the list', async () => {
  const page = await open();
  await page.getByLabel('OCI image').fill('docker.io/library/python:3.11-slim');
  await page.getByLabel('Name', { exact: true }).fill('keyless-build');
  await page.getByLabel('pip packages').fill('numpy');
  await page.getByRole('button', { name: 'Create snapshot' }).click();
  const build = page.getByRole('article', { name: 'Build keyless-build' });
  // An 800 ms build may go from pending to ready between two polls.
  await build.locator('li[data-status="ready"]').waitFor({ timeout: 20_000 });
  await build.getByText(/^Ready after/).waitFor();
  const statuses = await build.locator('li').evaluateAll((items) => items.map((li) => li.dataset.status));
  assert.equal(statuses[0], 'pending', `statuses: ${statuses}`);
  const row = page.locator('#snapshot-table tbody tr', { hasText: 'keyless-build' });
  await row.getByText('ready').waitFor();
  await page.screenshot({ path: join(artifacts, 'demo-keyless-1280.png'), fullPage: true });
  // The build reached the emulator under the server's key: the proxy added it.
  const posts = (await upstreamRequests()).filter((r) => r.method === 'POST' && r.path === '/v1/snapshots');
  assert.equal(posts.length, 1);
  await page.close();
});

test('a VM starts and is deleted, through the proxy', async () => {
  const page = await open();
  await page.getByRole('tab', { name: 'VMs' }).click();
  await page.getByRole('button', { name: 'Create VM' }).click();
  const row = page.locator('#vm-table tbody tr').first();
  await row.getByText('active').waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(artifacts, 'demo-keyless-vms-1280.png'), fullPage: true });
  await row.getByRole('button', { name: /^Delete/ }).click();
  await page.getByRole('dialog', { name: 'Delete VM?' }).getByRole('button', { name: 'Delete' }).click();
  await page.locator('#vm-empty').waitFor({ state: 'visible' });
  const upstream = await upstreamRequests();
  assert.ok(upstream.some((r) => r.method === 'POST' && r.path === '/v1/vms'), 'the VM was created under the server key');
  assert.ok(upstream.some((r) => r.method === 'DELETE' && r.path.startsWith('/v1/vms/')), 'and deleted');
  await page.close();
});

/** Builds an alpine snapshot named `name` through the page's form; resolves once its row says ready. */
async function buildIn(page, name) {
  await page.getByLabel('OCI image').fill('docker.io/library/alpine:3');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create snapshot' }).click();
  await page.locator('#snapshot-table tbody tr', { hasText: name }).getByText('ready').waitFor({ timeout: 20_000 });
}

test('two browsers are two users: each sees only its own builds and VMs, and a request with no session gets nothing', async () => {
  // browser.newPage() opens a context of its own: its own cookies, so its own session.
  const alice = await open();
  const bob = await open();
  try {
    await buildIn(alice, 'alice-only');
    await alice.getByRole('tab', { name: 'VMs' }).click();
    await alice.getByRole('button', { name: 'Create VM' }).click();
    await alice.locator('#vm-table tbody tr').first().getByText('active').waitFor({ timeout: 20_000 });
    const aliceVm = await alice.locator('#vm-table tbody tr').first().textContent();

    await bob.getByRole('button', { name: 'Refresh' }).first().click();
    await bob.locator('#snapshot-empty').waitFor({ state: 'visible' });
    assert.equal(await bob.locator('#snapshot-table tbody tr', { hasText: 'alice-only' }).count(), 0, "bob's list has no alice-only");
    await bob.getByRole('tab', { name: 'VMs' }).click();
    await bob.locator('#vm-empty').waitFor({ state: 'visible' });
    assert.equal(await bob.locator('#vm-table tbody tr').count(), 0, `bob sees no VM (alice has ${aliceVm})`);
    await bob.screenshot({ path: join(artifacts, 'demo-keyless-second-user-1280.png'), fullPage: true });

    // Bob builds his own; alice, refreshing, does not see it.
    await bob.getByRole('tab', { name: 'Snapshots' }).click();
    await buildIn(bob, 'bob-only');
    await alice.getByRole('tab', { name: 'Snapshots' }).click();
    await alice.locator('#snapshot-table tbody tr', { hasText: 'alice-only' }).waitFor();
    assert.equal(await alice.locator('#snapshot-table tbody tr', { hasText: 'bob-only' }).count(), 0, "alice's list has no bob-only");

    // Both builds reached the API under the one server key.
    const names = (await upstreamRequests()).filter((r) => r.method === 'POST' && r.path === '/v1/snapshots');
    assert.ok(names.length >= 2);
    // No session cookie, or a forged one: refused, nothing sent.
    const before = (await upstreamRequests()).length;
    for (const cookie of [undefined, 'instavm_demo_session=visitor-000000000000.forged']) {
      const r = await fetch(`${server.url}/instavm/v1/snapshots`, { headers: cookie ? { cookie } : {} });
      assert.equal(r.status, 401, `cookie ${cookie}`);
      assert.equal((await r.clone().json()).code, 'unauthenticated');
      await r.arrayBuffer();
    }
    assert.equal((await upstreamRequests()).length, before, 'the refused requests reached nothing');
  } finally {
    await alice.close();
    await bob.close();
  }
});

test('a page on another origin gets the refusal itself, code origin_not_allowed, not a network error; nothing is sent', async () => {
  // A blank page on an origin of its own (another port), calling the proxy as a foreign page would.
  const other = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${other.address().port}/`);
    const before = (await upstreamRequests()).length;
    const answers = await page.evaluate(async (proxy) => {
      const read = async (r) => ({ status: r.status, body: await r.json() });
      // A simple GET (no preflight) and a JSON POST (preflighted).
      return [await read(await fetch(`${proxy}/v1/snapshots`)), await read(await fetch(`${proxy}/v1/snapshots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"oci_image":"alpine"}' }))];
    }, `${server.url}/instavm`);
    for (const a of answers) {
      assert.equal(a.status, 403, JSON.stringify(a));
      assert.equal(a.body.code, 'origin_not_allowed');
    }
    assert.equal((await upstreamRequests()).length, before, 'nothing reached the API');
  } finally {
    await page.close();
    other.close();
  }
});

test('where the browser hides a CORS refusal, the client\'s NetworkError says CORS and names allowedOrigins', async () => {
  // A server that answers, but admits no other origin: the page's fetch fails with no reason given.
  const other = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
  // Not open(): the browser rightly logs the refused request, which the console check would count.
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}/`);
    const seen = await page.evaluate(async (baseUrl) => {
      const { InstaVM } = await import('/pkg/web.js');
      return new InstaVM({ apiKey: null, baseUrl, maxRetries: 0 }).snapshots.list().then(
        () => ({ ok: true }),
        (e) => ({ name: e.name, code: e.code, message: e.message }),
      );
    }, `http://127.0.0.1:${other.address().port}`);
    assert.equal(seen.name, 'NetworkError', JSON.stringify(seen));
    assert.equal(seen.code, 'network_error');
    assert.match(seen.message, /CORS/);
    assert.match(seen.message, /allowedOrigins/);
    assert.ok(seen.message.includes(`(${server.url})`), `names the page's origin: ${seen.message}`);
  } finally {
    await page.close();
    other.close();
  }
});

test('the page works at 375 px through the proxy', async () => {
  const page = await open(375);
  assert.equal(await page.locator('#mode-badge').textContent(), 'Key held by the server');
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= 375, `no horizontal scrolling at 375 px (scrollWidth ${scroll})`);
  await page.screenshot({ path: join(artifacts, 'demo-keyless-375.png'), fullPage: true });
  await page.close();
});

test('the server key is in no byte the browser received, and no request the page sent carried X-API-Key', async () => {
  const answers = await Promise.all(received);
  const requests = await Promise.all(sent);
  // The search covered what matters: the page, its modules, the wasm and the API's answers.
  const paths = answers.map((a) => new URL(a.url).pathname);
  for (const must of ['/', '/js/main.js', '/js/settings.js', '/style.css', '/pkg/web.js', '/pkg/instavm_wasm_bg.wasm', '/instavm/v1/snapshots', '/instavm/v1/vms/']) {
    assert.ok(paths.includes(must), `the browser received ${must}`);
  }
  assert.ok(!paths.some((p) => /instavm_emulator_bg\.wasm|testing-web\.js/.test(p)), 'no in-page emulator was downloaded');
  const wasm = answers.find((a) => a.url.endsWith('/pkg/instavm_wasm_bg.wasm'));
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.ok(wasm.body.length > 10_000, 'the wasm was read in full');
  const api = answers.filter((a) => new URL(a.url).pathname.startsWith('/instavm/v1/'));
  assert.ok(api.length >= 10, `${api.length} API answers`);
  assert.ok(api.every((a) => a.headers['x-request-id']), 'each API answer came from the API, through the proxy');
  assert.ok(api.some((a) => a.body.includes('keyless-build')), 'the API answers were read in full');

  for (const a of answers) {
    const head = Object.entries(a.headers).map(([k, v]) => `${k}: ${v}`).join('\n');
    assert.ok(!leaks(head), `the headers of ${a.url} hold the server key`);
    assert.ok(!leaks(a.body), `the body of ${a.url} holds the server key`);
  }
  assert.ok(requests.length > 0);
  for (const r of requests) {
    assert.equal(r.headers['x-api-key'], undefined, `${r.method} ${r.url} sent X-API-Key`);
    assert.ok(!leaks(r.url) && !leaks(r.body), `${r.method} ${r.url} carried the server key`);
    assert.equal(new URL(r.url).origin, server.url, `${r.url}: the page asked only its own origin`);
  }
  assert.deepEqual(problems, [], 'no console error');
});

test('Settings can still switch to a direct key for another API, with the warning, and back', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const headers = [];
  page.on('request', (r) => r.url().startsWith(server.emulatorUrl) && headers.push(r.allHeaders()));
  try {
    await page.goto(`${server.url}/`);
    await page.getByText(/^Connected to/).waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connection' });
    await dialog.getByText(/visible to whoever loads the page/).waitFor();
    assert.equal(await dialog.getByLabel('Base URL').inputValue(), `${server.url}/instavm`);
    assert.equal(await dialog.getByLabel('API key').inputValue(), '', 'the page has no key to show');
    await dialog.getByText(/Leave it empty for this page's server/).waitFor();
    await page.screenshot({ path: join(artifacts, 'demo-keyless-settings-1280.png') });

    // Another API, called directly with a key typed into the page.
    await dialog.getByLabel('Base URL').fill(server.emulatorUrl);
    assert.ok(await dialog.getByText(/Leave it empty for this page's server/).isHidden(), 'no keyless hint for another API');
    await dialog.getByLabel('API key').fill('instavm_sk_demo_direct');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`Connected to ${server.emulatorUrl}`).waitFor();
    assert.equal(await page.locator('#mode-badge').textContent(), 'Remote API');
    assert.deepEqual(JSON.parse(await page.evaluate(() => sessionStorage.getItem('instavm-demo-connection'))), { baseUrl: server.emulatorUrl, apiKey: 'instavm_sk_demo_direct' });
    const direct = await Promise.all(headers);
    assert.ok(direct.length > 0 && direct.every((h) => h['x-api-key'] === 'instavm_sk_demo_direct'), 'the direct calls carry the typed key');
    assert.ok(!(await page.locator('#connection').textContent()).includes('instavm_sk_demo_direct'), 'the connection line shows no key');

    // The proxy again, typed in: an empty key field means no key.
    await page.getByRole('button', { name: 'Settings' }).click();
    await dialog.getByLabel('Base URL').fill(`${server.url}/instavm`);
    await dialog.getByLabel('API key').fill('');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/\(this page's proxy\)$/).waitFor();
    assert.equal(await page.locator('#mode-badge').textContent(), 'Key held by the server');
    assert.deepEqual(JSON.parse(await page.evaluate(() => sessionStorage.getItem('instavm-demo-connection'))), { baseUrl: `${server.url}/instavm`, apiKey: null });

    // A reload keeps the saved keyless connection.
    await page.reload();
    await page.getByText(/\(this page's proxy\)$/).waitFor();

    // Back to the default from a direct key: keyless once more.
    await page.getByRole('button', { name: 'Settings' }).click();
    await dialog.getByLabel('Base URL').fill(server.emulatorUrl);
    await dialog.getByLabel('API key').fill('instavm_sk_demo_direct');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`Connected to ${server.emulatorUrl}`).waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    await dialog.getByRole('button', { name: 'Use the local emulator' }).click();
    await page.getByText(/\(this page's proxy\)$/).waitFor();
    assert.equal(await page.locator('#mode-badge').textContent(), 'Key held by the server');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('instavm-demo-connection')), null);
  } finally {
    await page.close();
  }
});

/** One raw request, its target sent as written (fetch would tidy `..` away). */
function raw(target, method = 'GET') {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path: target, method }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the demo server serves www/ and pkg/ only, with their content types, and the proxy only the allowed operations', async () => {
  assert.equal((await raw('/')).type, 'text/html; charset=utf-8');
  assert.equal((await raw('/js/main.js')).type, 'text/javascript; charset=utf-8');
  assert.equal((await raw('/style.css')).type, 'text/css; charset=utf-8');
  assert.equal((await raw('/pkg/instavm_wasm_bg.wasm')).type, 'application/wasm');
  for (const target of ['/../package.json', '/pkg/../../package.json', '/%2e%2e/package.json', '/pkg/%2e%2e%2fpackage.json', '/..%5cpackage.json', '/js/', '/nothing.js', '/v1/snapshots', '/instavm', '/instavm/v1/nothing']) {
    const r = await raw(target);
    assert.equal(r.status, 404, `${target}: ${r.status}`);
    assert.ok(!leaks(r.body), `${target} answered with the server key`);
  }
  assert.equal((await raw('/index.html', 'DELETE')).status, 405);
  // A page on another origin gets nothing through it: same-origin only.
  const foreign = await fetch(`${server.url}/instavm/v1/snapshots`, { method: 'POST', headers: { origin: 'https://elsewhere.example', 'content-type': 'application/json' }, body: '{"oci_image":"alpine:3"}' });
  assert.equal(foreign.status, 403);
  assert.ok(!leaks(Buffer.from(await foreign.arrayBuffer())));
});
