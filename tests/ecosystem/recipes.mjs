// docs/recipes.md, run as written: its blocks are written, unedited, into a
// Next.js app and a node:http app under the scratch project (each block
// where its first line says), which are built and served as their
// recipes say and driven in Chromium as a signed-in user would. A block that
// neither app takes fails the run, so the page cannot gain an untested one.
import { createHmac } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseBlocks } from './blocks.mjs';
import { buildApp, freePort, nextBin, startNextApp, serveApp } from './toolchains.mjs';

const SOURCE = 'docs/recipes.md';
const SECRET = 'recipes-session-secret';

/** Which app each block goes in: lib/session.js in both. */
const NEXT_FILES = /^(lib|components|app)\//;
const NODE_FILES = /^(lib\/|server\.mjs$|public\/)/;

/** `session=<id>.<hex HMAC-SHA-256 of id>`, as the recipes' login would set it. */
const sessionOf = (id) => `${id}.${createHmac('sha256', SECRET).update(id).digest('hex')}`;

/**
 * Runs both recipes; `report(name, result)` is the harness's. `env` holds
 * INSTAVM_API_KEY and INSTAVM_BASE_URL for the servers.
 */
export async function runRecipes({ browser, scratch, repoRoot, env, report }) {
  const blocks = parseBlocks(readFileSync(join(repoRoot, SOURCE), 'utf8'), SOURCE);
  const untaken = blocks.filter((b) => !b.name || !(NEXT_FILES.test(b.name) || NODE_FILES.test(b.name)));
  report(`${SOURCE}: every block goes into an app`, checks([['every block names a file one of the apps takes', untaken.length === 0, untaken.map((b) => `line ${b.line}`).join(', ')]]));
  const write = (dir, filter) => {
    for (const b of blocks.filter((b) => b.name && filter.test(b.name))) {
      mkdirSync(dirname(join(dir, b.name)), { recursive: true });
      writeFileSync(join(dir, b.name), b.code);
    }
  };
  await nextRecipe(browser, scratch, repoRoot, env, report, write);
  await nodeRecipe(browser, scratch, env, report, write);
}

/** The Next.js recipe: create-next-app's scaffold (its root layout) and the recipe's files; `next build` with no key. */
async function nextRecipe(browser, scratch, repoRoot, env, report, write) {
  const name = `${SOURCE}: the Next.js app (next build, next start)`;
  const dir = join(scratch, 'recipes-next');
  let app;
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'app'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'recipes-next', private: true, dependencies: { 'instavm-wasm': '*' } }));
    copyFileSync(join(scratch, 'next-app', 'app', 'layout.js'), join(dir, 'app', 'layout.js'));
    write(dir, NEXT_FILES);
    await buildApp('next build', [nextBin(repoRoot), 'build'], dir, { NEXT_TELEMETRY_DISABLED: '1' });
    app = await startNextApp(dir, repoRoot, { ...env, SESSION_SECRET: SECRET });
  } catch (e) {
    report(name, { passed: 0, failed: 1 }, e.message);
    return;
  }
  try {
    const results = [];
    const ann = await signedIn(browser, app.url, 'ann');
    const ben = await signedIn(browser, app.url, 'ben');
    try {
      const page = await ann.newPage();
      // Once its list has loaded, the component is hydrated: a click before that is the browser's own form submission.
      const loaded = page.waitForResponse((r) => new URL(r.url()).pathname === '/instavm/v1/snapshots');
      await page.goto(`${app.url}/`);
      await loaded;
      await page.getByRole('textbox', { name: 'Snapshot name' }).fill('recipe-built');
      await page.getByRole('button', { name: 'Build' }).click();
      const built = await page.getByRole('listitem').filter({ hasText: 'recipe-built: ready' }).waitFor({ timeout: 30_000 }).then(() => true, () => false);
      results.push(['the component builds a snapshot and shows it ready', built, await page.locator('body').innerText()]);
      results.push(['its status line ended at ready', (await page.getByRole('status').innerText()) === 'ready', await page.getByRole('status').innerText()]);
      await page.reload();
      const kept = await page.getByRole('listitem').filter({ hasText: 'recipe-built: ready' }).waitFor({ timeout: 10_000 }).then(() => true, () => false);
      results.push(['after a reload, the list has it', kept, await page.locator('body').innerText()]);

      const other = await ben.newPage();
      const listed = other.waitForResponse((r) => new URL(r.url()).pathname === '/instavm/v1/snapshots');
      await other.goto(`${app.url}/`);
      const answer = await listed;
      // Next's route announcer is an empty role=alert of its own: the component's is inside its section.
      const empty = answer.status() === 200 && (await other.getByRole('listitem').count()) === 0 && (await other.locator('section [role="alert"]').count()) === 0;
      results.push(["another user's list loads, with none of it", empty, await other.locator('body').innerText()]);

      const usage = await ann.request.get(`${app.url}/api/usage`);
      const counted = usage.status() === 200 ? await usage.json() : await usage.text();
      results.push(['the server Route Handler counts the account\'s snapshots', usage.status() === 200 && counted.snapshots >= 1, JSON.stringify(counted)]);
      const anonymous = await fetch(`${app.url}/api/usage`);
      results.push(['it answers 401 with no session', anonymous.status === 401, String(anonymous.status)]);
      const proxied = await fetch(`${app.url}/instavm/v1/snapshots`);
      const refusal = await proxied.json().catch(() => ({}));
      results.push(['the proxy answers 401 unauthenticated with no session', proxied.status === 401 && refusal.code === 'unauthenticated', `${proxied.status} ${JSON.stringify(refusal)}`]);
    } finally {
      await ann.close();
      await ben.close();
    }
    report(name, checks(results));
  } catch (e) {
    report(name, { passed: 0, failed: 1 }, `${e.message}\n${app.output()}`);
  } finally {
    await app.close();
  }
}

/** The node:http recipe, in a project of its own whose node_modules is the scratch project's; `node server.mjs`. */
async function nodeRecipe(browser, scratch, env, report, write) {
  const name = `${SOURCE}: the node:http server (node server.mjs)`;
  const dir = join(scratch, 'recipes-node');
  let app;
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'recipes-node', private: true, type: 'module' }));
    symlinkSync(join(scratch, 'node_modules'), join(dir, 'node_modules'), 'dir');
    write(dir, NODE_FILES);
    const port = await freePort();
    app = await serveApp('node server.mjs', ['server.mjs'], dir, port, { ...env, SESSION_SECRET: SECRET, PORT: String(port), APP_ORIGIN: `http://localhost:${port}` });
  } catch (e) {
    report(name, { passed: 0, failed: 1 }, e.message);
    return;
  }
  try {
    const results = [];
    // The recipe's origin is http://localhost:<port>: the page is opened there, as its log line says.
    const url = app.url.replace('127.0.0.1', 'localhost');
    const cora = await signedIn(browser, url, 'cora');
    try {
      const made = await cora.request.post(`${url}/instavm/v1/snapshots`, { data: { oci_image: 'docker.io/library/alpine:3.20', name: 'served-by-node' } });
      results.push(['a signed-in POST through the proxy builds', made.status() === 201 || made.status() === 200 || made.status() === 202, String(made.status())]);
      const page = await cora.newPage();
      await page.goto(`${url}/`);
      const listed = await page.getByRole('listitem').filter({ hasText: /^served-by-node: / }).waitFor({ timeout: 10_000 }).then(() => true, () => false);
      results.push(['the page, with its import map and no bundler, lists it', listed, await page.locator('body').innerText()]);
      const stranger = await browser.newPage();
      await stranger.goto(`${url}/`);
      const told = await stranger.getByRole('alert').filter({ hasText: 'Sign in first.' }).waitFor({ timeout: 10_000 }).then(() => true, () => false);
      results.push(['with no session, the page says to sign in', told, await stranger.locator('body').innerText()]);
      await stranger.close();
      const wasm = await fetch(`${url}/instavm-wasm/instavm_wasm_bg.wasm`);
      results.push(['the wasm is served as application/wasm', wasm.status === 200 && wasm.headers.get('content-type') === 'application/wasm', `${wasm.status} ${wasm.headers.get('content-type')}`]);
      await wasm.arrayBuffer();
      for (const path of ['/%2e%2e/package.json', '/instavm-wasm/%2e%2e/package.json', '/%E0%A4%A', '/server.mjs']) {
        const r = await fetch(`${url}${path}`);
        await r.arrayBuffer();
        results.push([`${path} is not served`, r.status === 404, String(r.status)]);
      }
    } finally {
      await cora.close();
    }
    report(name, checks(results));
  } catch (e) {
    report(name, { passed: 0, failed: 1 }, `${e.message}\n${app.output()}`);
  } finally {
    await app.close();
  }
}

/** A browser context whose session cookie is the user's. */
async function signedIn(browser, url, id) {
  const context = await browser.newContext();
  await context.addCookies([{ name: 'session', value: sessionOf(id), url }]);
  return context;
}

function checks(rows) {
  const results = rows.map(([name, ok, detail]) => ({ name, ok: ok === true, detail: String(detail ?? '').slice(0, 1500) }));
  const passed = results.filter((r) => r.ok).length;
  return { results, passed, failed: results.length - passed };
}

