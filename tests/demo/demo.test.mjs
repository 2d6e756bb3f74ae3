// The demo page in headless Chromium (Debian's, through Playwright), against
// an emulator that serves the API and the page on one origin (DEMO_URL).
// Screenshots at 1280 and 375 px land in .tmp/artifacts (not committed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../ecosystem/chromium.mjs';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { serveDir } from '../ecosystem/static-server.mjs';
import { createServer } from 'node:net';

const DEMO_URL = process.env.DEMO_URL;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const artifacts = join(root, '.tmp', 'artifacts');
mkdirSync(artifacts, { recursive: true });

let browser;
let counter = 0;
const consoleProblems = [];

before(async () => {
  assert.ok(DEMO_URL, 'DEMO_URL must point at an emulator started with --static www --static /pkg=pkg');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

const newKey = () => `instavm_sk_demo_test_${process.pid}_${counter++}`;

/**
 * A page connected to the emulator with a key of its own, so tests see only
 * their own records; `context` gives it one's settings (clipboard permissions).
 */
async function open(width = 1280, { key = newKey(), context = browser } = {}) {
  const page = context === browser ? await browser.newPage({ viewport: { width, height: 900 } }) : await context.newPage();
  page.on('console', (m) => m.type() === 'error' && consoleProblems.push(m.text()));
  page.on('pageerror', (e) => consoleProblems.push(String(e)));
  await page.addInitScript(
    ([k]) => sessionStorage.setItem('instavm-demo-connection', JSON.stringify({ baseUrl: location.origin, apiKey: k })),
    [key],
  );
  await page.goto(`${DEMO_URL}/`);
  await page.getByText(/^Connected to/).waitFor();
  return { page, key };
}

async function requests(key) {
  const r = await fetch(`${DEMO_URL}/_emulator/requests`, { headers: { 'X-API-Key': key } });
  return (await r.json()).requests;
}

const card = (page, name) => page.getByRole('article', { name: `Build ${name}` });

test('build a snapshot through the form: statuses appear live, details, delete', async () => {
  const { page, key } = await open();
  await page.getByLabel('OCI image').fill('docker.io/library/python:3.11-slim');
  await page.getByLabel('Name', { exact: true }).fill('demo-build');
  await page.getByLabel('vCPUs', { exact: true }).fill('2');
  await page.getByLabel('Memory (MB)', { exact: true }).fill('1024');
  await page.getByLabel('Type', { exact: true }).selectOption('user');
  await page.getByLabel('APT packages').fill('git ffmpeg');
  await page.getByLabel('pip packages').fill('numpy pandas');
  await page.getByLabel('npm packages').fill('playwright');
  await page.getByLabel('Git URL').fill('https://github.com/example/repo.git');
  await page.getByLabel('Git branch').fill('main');
  await page.getByLabel('Disk (GB)').fill('3');
  await page.getByLabel('Post-build command').fill('echo built');
  await page.getByRole('button', { name: 'Add variable' }).click();
  await page.getByLabel('Variable name').nth(0).fill('APP_ENV');
  await page.getByLabel('Value', { exact: true }).nth(0).fill('prod');
  await page.getByRole('button', { name: 'Add variable' }).click();
  await page.getByLabel('Variable name').nth(1).fill('REMOVE_ME');
  await page.getByRole('button', { name: 'Remove variable 2' }).click();
  await page.getByRole('button', { name: 'Create snapshot' }).click();

  const build = card(page, 'demo-build');
  for (const status of ['pending', 'building', 'ready']) {
    await build.locator(`li[data-status="${status}"]`).waitFor({ timeout: 20_000 });
  }
  await build.getByText(/^Ready after/).waitFor();
  const sent = (await requests(key)).filter((r) => r.method === 'POST');
  assert.equal(sent.length, 1);

  const row = page.locator('#snapshot-table tbody tr', { hasText: 'demo-build' });
  await row.getByText('ready').waitFor();
  await page.screenshot({ path: join(artifacts, 'demo-1280.png'), fullPage: true });

  await row.getByRole('button', { name: /^Details/ }).click();
  const details = page.getByRole('dialog', { name: /Snapshot demo-build/ });
  await details.getByText('"APP_ENV": "prod"').waitFor();
  assert.ok(!(await details.textContent()).includes('REMOVE_ME'));
  await details.getByText('git ffmpeg').first().waitFor();
  await details.getByRole('button', { name: 'Close' }).click();

  await row.getByRole('button', { name: /^Delete/ }).click();
  await page.getByRole('dialog', { name: 'Delete snapshot?' }).getByRole('button', { name: 'Delete' }).click();
  await page.locator('#snapshot-empty').waitFor({ state: 'visible' });
  assert.ok((await requests(key)).some((r) => r.method === 'DELETE'));
  await page.close();
});

test('"Reuse an identical ready snapshot" builds once, then reuses it and says so', async () => {
  const { page, key } = await open();
  await page.getByLabel('OCI image').fill('docker.io/library/python:3.11-slim');
  await page.getByLabel('Name', { exact: true }).fill('demo-reuse');
  await page.getByLabel('pip packages').fill('numpy pandas');
  await page.getByLabel('Reuse an identical ready snapshot').check();
  await page.getByRole('button', { name: 'Create snapshot' }).click();
  const first = page.getByRole('article', { name: 'Ensure demo-reuse' }).first();
  await first.locator('li[data-status="building"]').waitFor({ timeout: 20_000 });
  await first.getByText(/^Built demo-reuse-[0-9a-f]{12}/).waitFor({ timeout: 20_000 });
  assert.equal((await requests(key)).filter((r) => r.method === 'POST').length, 1);

  // The same spec with the packages in another order: reused, nothing built.
  await page.getByLabel('pip packages').fill('pandas numpy numpy');
  await page.getByRole('button', { name: 'Create snapshot' }).click();
  await page.getByText(/^Reused demo-reuse-[0-9a-f]{12}: an identical snapshot/).waitFor({ timeout: 20_000 });
  assert.equal((await requests(key)).filter((r) => r.method === 'POST').length, 1, 'the second submit sent no POST');
  const rows = page.locator('#snapshot-table tbody tr', { hasText: 'demo-reuse-' });
  await rows.first().getByText('ready').waitFor();
  assert.equal(await rows.count(), 1);
  await page.close();
});

test('a .invalid image shows the failure and its last_error', async () => {
  const { page } = await open();
  await page.getByLabel('OCI image').fill('registry.example.invalid/app:1');
  await page.getByLabel('Name', { exact: true }).fill('doomed');
  await page.getByRole('button', { name: 'Create snapshot' }).click();
  const build = card(page, 'doomed');
  await build.locator('li[data-status="failed"]').waitFor({ timeout: 20_000 });
  const lastError = build.locator('.last-error');
  await lastError.waitFor();
  assert.match(await lastError.textContent(), /registry\.example\.invalid/);
  await page.close();
});

test('vCPUs 9 is refused beside the field, with no request made', async () => {
  const { page, key } = await open();
  await page.getByLabel('vCPUs', { exact: true }).fill('9');
  await page.getByRole('button', { name: 'Create snapshot' }).click();
  const message = page.locator('#vcpu_count-error');
  await message.getByText(/vcpu_count/).waitFor();
  assert.match(await message.textContent(), /1 to 8/);
  assert.equal(await page.getByLabel('vCPUs', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.deepEqual((await requests(key)).filter((r) => r.method === 'POST'), []);
  await page.close();
});

test('Cancel stops following a running build, with no request after it', async () => {
  const { page, key } = await open();
  await page.getByLabel('Name', { exact: true }).fill('cancelled');
  await page.getByRole('button', { name: 'Create snapshot' }).click();
  const build = card(page, 'cancelled');
  await build.locator('li[data-status="pending"]').waitFor();
  await build.getByRole('button', { name: 'Cancel' }).click();
  await build.getByText(/^Cancelled/).waitFor();
  const id = (await requests(key)).find((r) => /^\/v1\/snapshots\/snap_/.test(r.path)).path;
  const polls = async () => (await requests(key)).filter((r) => r.path === id).length;
  const before = await polls();
  await page.waitForTimeout(2500);
  assert.equal(await polls(), before, 'no poll after Cancel');
  await page.close();
});

test('VMs: create, snapshot it with a name (with progress), suspend, resume, delete', async () => {
  const { page } = await open();
  await page.getByRole('tab', { name: 'VMs' }).click();
  await page.getByLabel('VM vCPUs').fill('2');
  await page.getByRole('button', { name: 'Create VM' }).click();
  const row = page.locator('#vm-table tbody tr').first();
  await row.getByText('active').waitFor();
  await row.getByRole('button', { name: /^Snapshot/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Snapshot this VM' });
  await dialog.getByLabel('Snapshot name').fill('vm-state');
  await dialog.getByRole('button', { name: 'Snapshot' }).click();
  const build = page.getByRole('article', { name: 'Snapshot vm-state' });
  await build.getByText(/^Ready after/).waitFor({ timeout: 20_000 });
  // Suspend keeps the VM in the table, with Resume (a new VM id) in reach.
  await row.getByRole('button', { name: /^Suspend/ }).click();
  await row.getByText('suspended').waitFor();
  await row.getByRole('button', { name: /^Resume/ }).click();
  const resumed = page.locator('#vm-table tbody tr', { hasText: 'active' });
  await resumed.waitFor();
  await resumed.getByRole('button', { name: /^Delete/ }).click();
  await page.getByRole('dialog', { name: 'Delete VM?' }).getByRole('button', { name: 'Delete' }).click();
  await page.locator('#vm-empty').waitFor({ state: 'visible' });
  await page.getByLabel('Show terminated').check();
  // The suspended VM ended when its successor was minted, and the successor was deleted.
  const ended = page.locator('#vm-table tbody tr').getByText('terminated');
  await ended.nth(1).waitFor();
  assert.equal(await ended.count(), 2);
  await page.close();
});

test('the page works at 375 px wide and by keyboard', async () => {
  const { page } = await open(375);
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= 375, `no horizontal scrolling at 375 px (scrollWidth ${scroll})`);
  // Keyboard only: reach the OCI image field and the submit button with Tab.
  await page.keyboard.press('Tab');
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.id === 'create-snapshot-button');
  }
  assert.ok(reached, 'the Create snapshot button is reachable by Tab');
  await page.getByRole('tab', { name: 'Snapshots' }).focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByRole('tab', { name: 'VMs' }).getAttribute('aria-selected'), 'true');
  await page.screenshot({ path: join(artifacts, 'demo-375.png'), fullPage: true });
  await page.close();
});

test('settings keep the key out of the URL and warn that a page key is visible', async () => {
  const { page } = await open();
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Connection' });
  await dialog.getByText(/visible to whoever loads the page/).waitFor();
  await dialog.getByLabel('API key').fill('instavm_sk_other');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/^Connected to/).waitFor();
  assert.ok(!page.url().includes('instavm_sk'), 'the key is not in the URL');
  const saved = await page.evaluate(() => sessionStorage.getItem('instavm-demo-connection'));
  assert.match(saved, /instavm_sk_other/);
  await page.close();
});

test('from a plain static file host the page runs the emulator in the page, says so, and builds', async () => {
  // www/ and the package's build, as any static host would serve them: no API.
  const site = mkdtempSync(join(tmpdir(), 'instavm-static-'));
  cpSync(join(root, 'www'), site, { recursive: true });
  cpSync(join(root, 'pkg'), join(site, 'pkg'), { recursive: true });
  const host = await serveDir(site);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  const network = [];
  // The page's one probe of its origin for an API answers 404: expected.
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of 404') && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (r) => network.push(new URL(r.url()).pathname));
  try {
    await page.goto(`${host.url}/`);
    await page.getByText('Connected to the emulator running in this page').waitFor();
    assert.equal(await page.locator('#mode-badge').textContent(), 'In-page emulator');
    await page.getByLabel('OCI image').fill('docker.io/library/python:3.11-slim');
    await page.getByLabel('Name', { exact: true }).fill('in-page-build');
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    const build = card(page, 'in-page-build');
    for (const status of ['pending', 'building', 'ready']) {
      await build.locator(`li[data-status="${status}"]`).waitFor({ timeout: 20_000 });
    }
    await page.locator('#snapshot-table tbody tr', { hasText: 'in-page-build' }).getByText('ready').waitFor();
    await page.screenshot({ path: join(artifacts, 'demo-in-page-1280.png'), fullPage: true });
    assert.deepEqual(network.filter((p) => p.startsWith('/v1')), ['/v1/snapshots'], 'only the probe went to the origin; the API calls stayed in the page');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await host.close();
  }
});

test('served by the emulator, the badge says so', async () => {
  const { page } = await open();
  assert.equal(await page.locator('#mode-badge').textContent(), 'Emulator server');
  await page.close();
});

test('the page made no external request and logged no console error', async () => {
  const page = await browser.newPage();
  const external = [];
  page.on('request', (r) => !r.url().startsWith(DEMO_URL) && !r.url().startsWith('data:') && external.push(r.url()));
  await page.goto(`${DEMO_URL}/`);
  await page.getByText(/^Connected to/).waitFor();
  await page.close();
  assert.deepEqual(external, []);
  assert.deepEqual(consoleProblems, []);
});

test('an unreachable API shows a readable NetworkError with Retry, and no spinner stays', async () => {
  const page = await browser.newPage();
  await page.addInitScript(() => sessionStorage.setItem('instavm-demo-connection', JSON.stringify({ baseUrl: 'http://127.0.0.1:9', apiKey: 'instavm_sk_demo' })));
  await page.goto(`${DEMO_URL}/`);
  const alert = page.getByRole('alert').filter({ hasText: 'NetworkError' });
  await alert.waitFor({ timeout: 20_000 });
  assert.match(await alert.textContent(), /Could not reach http:\/\/127\.0\.0\.1:9/);
  await alert.getByRole('button', { name: 'Retry' }).waitFor();
  await page.getByText(/^Not connected/).waitFor();
  assert.equal(await page.locator('[aria-busy="true"]').count(), 0);
  await page.close();
});

const LONG_IMAGE = 'ghcr.io/example-organisation/a-rather-long-repository-name/python:3.11-slim-bookworm';

/** A ready snapshot of LONG_IMAGE and a VM booted from it, made through the API with `key`. */
async function seedLongRecords(key) {
  const call = async (method, path, body) => {
    const r = await fetch(`${DEMO_URL}${path}`, { method, headers: { 'X-API-Key': key, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    assert.ok(r.ok, `${method} ${path}: ${r.status}`);
    return r.json();
  };
  const snap = await call('POST', '/v1/snapshots', { oci_image: LONG_IMAGE, name: 'long-image' });
  for (let i = 0; i < 100 && (await call('GET', `/v1/snapshots/${snap.id}`)).status !== 'ready'; i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  const vm = await call('POST', '/v1/vms', { snapshot_id: snap.id });
  return { snapshotId: snap.id, vmId: vm.vm_id ?? vm.id };
}

/** How a value of copy.js lays out: its text, title, line boxes and whether it is cut. */
function layoutOf(value) {
  return value.evaluate((v) => {
    const range = document.createRange();
    range.selectNodeContents(v);
    const style = getComputedStyle(v);
    const box = v.getBoundingClientRect();
    return {
      text: v.textContent,
      title: v.title,
      lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size,
      height: box.height,
      right: box.right,
      lineHeight: parseFloat(style.lineHeight),
      whiteSpace: style.whiteSpace,
      textOverflow: style.textOverflow,
      cut: v.scrollWidth > v.clientWidth,
    };
  });
}

/**
 * The layout of `value` once it is laid out: a tab just shown re-renders its
 * table (the VMs tab refreshes on selection), and a cell caught between the
 * old row and the new one has no line box yet. Waits up to 5 s for one.
 */
async function settledLayoutOf(value) {
  const until = Date.now() + 5000;
  for (;;) {
    const l = await layoutOf(value);
    if (l.lines > 0 || Date.now() > until) return l;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('at 1280 px ids and images stay on one line, cut with an ellipsis, whole in the title, and copy buttons copy them', async () => {
  const key = newKey();
  const { snapshotId, vmId } = await seedLongRecords(key);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: DEMO_URL });
  try {
    const { page } = await open(1280, { key, context });
    const row = page.locator('#snapshot-table tbody tr', { hasText: 'long-image' });
    await row.getByText('ready').waitFor();

    for (const [cell, full] of [['td.id', snapshotId], ['td.image', LONG_IMAGE]]) {
      const l = await layoutOf(row.locator(`${cell} .value`));
      assert.equal(l.text, full, 'the whole value is in the DOM, for screen readers');
      assert.equal(l.title, full, 'and on hover');
      assert.equal(l.lines, 1, `${full} is on one line`);
      assert.ok(Math.abs(l.height - l.lineHeight) < 1, `${full}: height ${l.height} is one line (${l.lineHeight})`);
      assert.equal(l.whiteSpace, 'nowrap');
      assert.equal(l.textOverflow, 'ellipsis');
    }
    assert.ok((await layoutOf(row.locator('td.image .value'))).cut, 'the long image is cut, not wrapped');
    const fits = await page.locator('#snapshot-table').evaluate((t) => t.parentElement.scrollWidth <= t.parentElement.clientWidth);
    assert.ok(fits, 'the snapshot table needs no horizontal scrolling at 1280 px');
    await page.screenshot({ path: join(artifacts, 'demo-ids-1280.png'), fullPage: true });

    // By mouse: the image's button; the page says so in its live region.
    await row.getByRole('button', { name: 'Copy OCI image' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), LONG_IMAGE);
    await page.locator('#announcer').getByText(`Copied OCI image ${LONG_IMAGE}`).waitFor();
    assert.equal(await row.getByRole('button', { name: 'Copy OCI image' }).getAttribute('data-copied'), '');

    // By keyboard: Shift+Tab from the image's button reaches the id's, which answers Enter.
    await row.getByRole('button', { name: 'Copy OCI image' }).focus();
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Copy snapshot id');
    await page.keyboard.press('Enter');
    await page.locator('#announcer').getByText(`Copied snapshot id ${snapshotId}`).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), snapshotId);
    await page.screenshot({ path: join(artifacts, 'demo-ids-copied-1280.png'), fullPage: true });

    await page.getByRole('tab', { name: 'VMs' }).click();
    const vmRow = page.locator('#vm-table tbody tr', { hasText: vmId });
    await vmRow.waitFor();
    for (const [cell, full] of [['td.id >> nth=0', vmId], ['td.id >> nth=1', snapshotId]]) {
      const l = await settledLayoutOf(vmRow.locator(cell).locator('.value'));
      assert.equal(l.title, full);
      assert.equal(l.lines, 1);
    }
    await vmRow.getByRole('button', { name: 'Copy VM id' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), vmId);
    await page.screenshot({ path: join(artifacts, 'demo-vms-1280.png'), fullPage: true });
    await page.close();
  } finally {
    await context.close();
  }
});

test('at 375 px the same ids and images fit their cards, cut, each with its copy button', async () => {
  const key = newKey();
  const { snapshotId } = await seedLongRecords(key);
  const { page } = await open(375, { key });
  const row = page.locator('#snapshot-table tbody tr', { hasText: 'long-image' });
  await row.getByText('ready').waitFor();
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= 375, `no horizontal scrolling at 375 px (scrollWidth ${scroll})`);
  for (const [cell, full] of [['td.id', snapshotId], ['td.image', LONG_IMAGE]]) {
    const l = await layoutOf(row.locator(`${cell} .value`));
    assert.equal(l.title, full);
    assert.equal(l.lines, 1);
    assert.ok(l.right <= 375, `${full} ends inside the screen (${l.right})`);
  }
  assert.ok((await layoutOf(row.locator('td.image .value'))).cut);
  await row.getByRole('button', { name: 'Copy OCI image' }).waitFor();
  await page.screenshot({ path: join(artifacts, 'demo-ids-375.png'), fullPage: true });
  await page.close();
});

const emulatorFiles = (urls) => urls.filter((u) => /instavm_emulator_bg\.wasm|testing-web\.js/.test(u));

test('a static host with settings on a remote API downloads no emulator, until Settings pick the page origin', async () => {
  const site = mkdtempSync(join(tmpdir(), 'instavm-static-'));
  cpSync(join(root, 'www'), site, { recursive: true });
  cpSync(join(root, 'pkg'), join(site, 'pkg'), { recursive: true });
  const host = await serveDir(site);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.addInitScript(() => sessionStorage.setItem('instavm-demo-connection', JSON.stringify({ baseUrl: 'http://127.0.0.1:9', apiKey: 'instavm_sk_demo' })));
  try {
    await page.goto(`${host.url}/`);
    await page.getByText('Not connected to http://127.0.0.1:9').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#mode-badge').textContent(), 'Remote API');
    assert.deepEqual(emulatorFiles(urls), [], 'no emulator module or wasm for a remote API');
    assert.deepEqual(urls.filter((u) => u.startsWith(`${host.url}/v1/`)), [], 'nor a probe of the page origin');

    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connection' });
    await dialog.getByLabel('Base URL').fill(host.url);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Connected to the emulator running in this page').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#mode-badge').textContent(), 'In-page emulator');
    assert.equal(emulatorFiles(urls).filter((u) => u.endsWith('instavm_emulator_bg.wasm')).length, 1, 'the wasm came once the page origin was chosen');
  } finally {
    await page.close();
    await host.close();
  }
});

test('a connection changed while the old one still waits for its answer: the page connects to the new one, and the old answer is ignored', async () => {
  // A remote API that accepts and never answers: the page's first lists stay in flight.
  const sockets = new Set();
  const hanging = createServer((socket) => sockets.add(socket));
  await new Promise((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  const remote = `http://127.0.0.1:${hanging.address().port}`;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.addInitScript((baseUrl) => sessionStorage.getItem('instavm-demo-connection') || sessionStorage.setItem('instavm-demo-connection', JSON.stringify({ baseUrl, apiKey: 'instavm_sk_demo' })), remote);
  try {
    await page.goto(`${DEMO_URL}/`);
    for (const end = Date.now() + 10_000; sockets.size === 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    assert.ok(sockets.size > 0, 'the page asked the hanging API');
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('dialog', { name: 'Connection' }).getByRole('button', { name: 'Use the local emulator' }).click();
    await page.getByText(/^Connected to .*\(local emulator\)/).waitFor({ timeout: 10_000 });
    // The old answer, when it comes, changes nothing.
    for (const socket of sockets) socket.destroy();
    await page.waitForTimeout(1_500);
    assert.match(await page.locator('#connection').textContent(), /^Connected to .*\(local emulator\)/);
  } finally {
    await page.close();
    for (const socket of sockets) socket.destroy();
    hanging.close();
  }
});

test('served by the emulator with settings on a remote API, the page downloads no emulator either', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.addInitScript(() => sessionStorage.setItem('instavm-demo-connection', JSON.stringify({ baseUrl: 'http://127.0.0.1:9', apiKey: 'instavm_sk_demo' })));
  try {
    await page.goto(`${DEMO_URL}/`);
    await page.getByText('Not connected to http://127.0.0.1:9').waitFor({ timeout: 20_000 });
    assert.deepEqual(emulatorFiles(urls), []);
    // Back to the page origin: the server answers the probe, so still none.
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('dialog', { name: 'Connection' }).getByRole('button', { name: 'Use the local emulator' }).click();
    await page.getByText(/^Connected to .*\(local emulator\)/).waitFor();
    assert.equal(await page.locator('#mode-badge').textContent(), 'Emulator server');
    assert.deepEqual(emulatorFiles(urls), []);
  } finally {
    await page.close();
  }
});
