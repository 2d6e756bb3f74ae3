// Runs the ecosystem scenario in every runtime, from the packed package
// installed into a scratch project: Node ESM, Node CommonJS, Deno, Bun,
// workerd (Miniflare, bundled by esbuild with the workerd condition), and
// headless Chromium (a Vite-built page and a page with no bundler).
//
// Usage: node tests/ecosystem/run.mjs SCRATCH_DIR EMULATOR_URL
// Prints one `RUNTIME-RESULT {"name","passed","failed"}` line per runtime.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serveDir } from './static-server.mjs';
import { startWorker } from './worker-host.mjs';
import { launchChromium } from './chromium.mjs';
import { runRecipes } from './recipes.mjs';
import { buildNextApp, buildSvelteKitApp, buildToolchainPages, checkFailure, startNextApp, startSvelteKitApp } from './toolchains.mjs';

const [scratch, baseUrl] = process.argv.slice(2);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const port = new URL(baseUrl).port;
let keyCounter = 0;
const freshKey = (runtime) => `instavm_sk_eco_${runtime.replace(/\W+/g, '_')}_${Date.now()}_${keyCounter++}`;

function report(name, result, note = '') {
  const failures = (result.results ?? []).filter((r) => !r.ok);
  for (const f of failures) console.log(`  ${name}: FAILED ${f.name}: ${f.detail.split('\n')[0]}`);
  if (note) console.log(`  ${name}: ${note}`);
  console.log(`RUNTIME-RESULT ${JSON.stringify({ name, passed: result.passed ?? 0, failed: result.failed ?? 1 })}`);
}

/** The second run of every runtime: against instavm-wasm/testing, in process. */
const IN_PROCESS = ' · in-process emulator';
/** The third run: keyless, through instavm-wasm/proxy, which holds a fresh key. */
const KEYLESS = ' · keyless through the proxy';

/**
 * instavm-wasm/proxy from the installed package, served from node:http in
 * this process in front of the emulator, with a key of its own and every
 * operation allowed; resolves with its base URL (the mount point) and `close`.
 */
async function proxyServer(name) {
  const { createProxy, toNodeListener } = await import(pathToFileURL(join(scratch, 'node_modules', 'instavm-wasm', 'pkg', 'proxy.js')).href);
  const proxy = createProxy({ authorize: 'public', apiKey: freshKey(name), baseUrl, prefix: '/instavm', allow: ['snapshots.*', 'vms.*'] });
  const server = createServer(toNodeListener(proxy));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/instavm`, port: server.address().port, close: () => server.close() };
}

/** Runs a script in a runtime and reads its ECOSYSTEM-RESULT line; `via` is a keyless proxy's base URL. */
function script(name, cmd, args, inProcess = false, via = null) {
  name += inProcess ? IN_PROCESS : via ? KEYLESS : '';
  return new Promise((resolve) => {
    const env = {
      ...process.env,
      INSTAVM_BASE_URL: via ?? baseUrl,
      INSTAVM_API_KEY: via ? '' : freshKey(name),
      INSTAVM_KEYLESS: via ? '1' : '0',
      INSTAVM_IN_PROCESS: inProcess ? '1' : '0',
      DENO_DIR: join(scratch, '.deno-cache'),
      NO_COLOR: '1',
    };
    const child = spawn(cmd, args, { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      report(name, { passed: 0, failed: 1 }, `could not start ${cmd}: ${e.message}`);
      resolve();
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('ECOSYSTEM-RESULT '));
      if (!line) {
        report(name, { passed: 0, failed: 1 }, `printed no result (exit ${code}):\n${out.slice(-2000)}`);
      } else {
        report(name, JSON.parse(line.slice('ECOSYSTEM-RESULT '.length)));
      }
      resolve();
    });
  });
}

async function workerd() {
  const name = 'workerd (Miniflare)';
  try {
    const mf = await startWorker(join(scratch, 'worker.js'), join(scratch, 'worker-dist'), { compatibilityDate: '2026-07-01' });
    try {
      // With a key, in process, and keyless through a proxy (no `key` parameter).
      for (const mode of ['server', 'in-process', 'keyless']) {
        const label = name + (mode === 'in-process' ? IN_PROCESS : mode === 'keyless' ? KEYLESS : '');
        const proxy = mode === 'keyless' ? await proxyServer(name) : null;
        try {
          const query = proxy ? `base=${encodeURIComponent(proxy.url)}` : `base=${encodeURIComponent(baseUrl)}&key=${freshKey('workerd')}&inprocess=${mode === 'in-process' ? 1 : 0}`;
          const response = await mf.dispatchFetch(`http://localhost/?${query}`);
          const text = await response.text();
          try {
            report(label, JSON.parse(text));
          } catch {
            report(label, { passed: 0, failed: 1 }, `answered ${response.status}: ${text.slice(0, 2000)}`);
          }
        } finally {
          proxy?.close();
        }
      }
    } finally {
      await mf.dispose();
    }
  } catch (e) {
    report(name, { passed: 0, failed: 1 }, e.stack);
  }
}

async function chromium() {
  const browser = await launchChromium();
  try {
    const { build } = await import('vite');
    const viteOut = join(scratch, 'vite-dist');
    await build({ root: join(scratch, 'vite-app'), logLevel: 'warn', build: { outDir: viteOut, emptyOutDir: true } });
    const vite = await serveDir(viteOut);
    const plain = await serveDir(scratch);
    try {
      for (const inProcess of [false, true]) {
        await page(browser, 'Chromium, Vite-built page', `${vite.url}/`, inProcess);
        await page(browser, 'Chromium, no bundler', `${plain.url}/plain/index.html`, inProcess);
      }
    } finally {
      await vite.close();
      await plain.close();
    }
    await toolchains(browser);
  } catch (e) {
    report('Chromium', { passed: 0, failed: 1 }, e.stack);
  } finally {
    await browser.close();
  }
}

/** esbuild and Rollup as their docs start a project (the package's own error) and with the fix (the scenario). */
async function toolchains(browser) {
  let pages;
  try {
    pages = await buildToolchainPages(scratch, root);
  } catch (e) {
    report('Chromium, esbuild and Rollup builds', { passed: 0, failed: 1 }, e.stack);
    return;
  }
  for (const { name, dir, expect, alsoInProcess } of pages) {
    const served = await serveDir(dir);
    try {
      if (expect === 'scenario') {
        await page(browser, `Chromium, ${name}`, `${served.url}/`, false);
        // Parcel reads no `exports`: the in-process run proves it found instavm-wasm/testing's browser build.
        if (alsoInProcess) await page(browser, `Chromium, ${name}`, `${served.url}/`, true);
      }
      else await failingPage(browser, `Chromium, ${name}`, `${served.url}/`, expect);
    } finally {
      await served.close();
    }
  }
  await nextApp(browser);
  await svelteKitApp(browser);
  await runRecipes({ browser, scratch, repoRoot: root, env: { INSTAVM_API_KEY: freshKey('recipes'), INSTAVM_BASE_URL: baseUrl }, report });
}

/**
 * Next.js: `next build` with no key in the environment; then `next start`
 * with one, the scenario in Chromium through the app's Route Handler proxy,
 * and the Route Handler that uses the client on the server.
 */
const nextApp = (browser) =>
  serverApp(browser, 'Next.js App Router (next build, next start)', () => buildNextApp(scratch, root), (dir, env) => startNextApp(dir, root, env), {
    '/api/list': 'a server Route Handler',
    '/api/edge': "an edge Route Handler (runtime = 'edge')",
  });

/** SvelteKit with adapter-node, the same way: `vite build` with no key, then `node build`. */
const svelteKitApp = (browser) =>
  serverApp(browser, 'SvelteKit with adapter-node (vite build, node build)', () => buildSvelteKitApp(scratch, root), (dir, env) => startSvelteKitApp(dir, env), {
    '/api/list': 'a server endpoint',
  });

/** Builds and starts an app, runs the scenario in its page (through its own proxy), and asks each of its `lists` paths for the key's snapshots. */
async function serverApp(browser, name, build, start, lists) {
  let app;
  try {
    app = await start(await build(), { INSTAVM_API_KEY: freshKey('app'), INSTAVM_BASE_URL: baseUrl });
  } catch (e) {
    report(name, { passed: 0, failed: 1 }, e.message);
    return;
  }
  try {
    await page(browser, `Chromium, ${name}: a client page through its own proxy`, `${app.url}/`, false);
    for (const [path, handler] of Object.entries(lists)) {
      const r = await fetch(`${app.url}${path}`);
      const text = await r.text();
      const listed = r.status === 200 && Array.isArray(JSON.parse(text));
      report(`${name}: the client in ${handler}`, { passed: listed ? 1 : 0, failed: listed ? 0 : 1, results: [{ name: `GET ${path} answers the key's snapshots`, ok: listed, detail: `${r.status} ${text.slice(0, 300)}` }] });
    }
  } finally {
    await app.close();
  }
}

async function failingPage(browser, name, url, fix) {
  const p = await browser.newPage();
  try {
    await p.goto(`${url}?base=${encodeURIComponent(baseUrl)}&key=${freshKey('toolchain')}`);
    await p.waitForFunction(() => window.__toolchain, null, { timeout: 30_000 });
    report(name, checkFailure(await p.evaluate(() => window.__toolchain), fix));
  } catch (e) {
    report(name, { passed: 0, failed: 1 }, e.message);
  } finally {
    await p.close();
  }
}

async function page(browser, name, url, inProcess) {
  name += inProcess ? IN_PROCESS : '';
  const p = await browser.newPage();
  const problems = [];
  // Chromium logs every non-2xx fetch as "Failed to load resource"; the
  // scenario provokes 404s and 422s on purpose, so those lines are expected.
  p.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of 4') && problems.push(m.text()));
  p.on('pageerror', (e) => problems.push(String(e)));
  try {
    await p.goto(`${url}?base=${encodeURIComponent(baseUrl)}&key=${freshKey('browser')}&inprocess=${inProcess ? 1 : 0}`);
    await p.waitForFunction(() => window.__ecosystem, null, { timeout: 90_000 });
    const result = await p.evaluate(() => window.__ecosystem);
    // Console errors count as a failed check: the page must run cleanly.
    // (Rejections the scenario provokes on purpose are caught, never logged.)
    result.results.push({ name: 'no console errors', ok: problems.length === 0, detail: problems.join(' | ') });
    result.passed += problems.length === 0 ? 1 : 0;
    result.failed += problems.length === 0 ? 0 : 1;
    report(name, result);
  } catch (e) {
    report(name, { passed: 0, failed: 1 }, `${e.message} ${problems.join(' | ')}`);
  } finally {
    await p.close();
  }
}

for (const inProcess of [false, true]) {
  await script('Node ESM', process.execPath, ['runner.mjs'], inProcess);
  await script('Node CommonJS', process.execPath, ['runner.cjs'], inProcess);
  // In process, Deno may reach no network at all: an escaped request fails.
  await script('Deno', bin('deno'), ['run', ...(inProcess ? [] : [`--allow-net=127.0.0.1:${port}`]), '--allow-read', '--allow-env', 'runner.mjs'], inProcess);
  await script('Bun', bin('bun'), ['runner.mjs'], inProcess);
}
// Keyless through instavm-wasm/proxy (a proxy of its own per runtime, so
// each run's key and records are its own). Deno may reach only the proxy.
for (const [name, cmd, args] of [
  ['Node ESM', process.execPath, ['runner.mjs']],
  ['Node CommonJS', process.execPath, ['runner.cjs']],
  ['Deno', bin('deno'), (proxyPort) => ['run', `--allow-net=127.0.0.1:${proxyPort}`, '--allow-read', '--allow-env', 'runner.mjs']],
  ['Bun', bin('bun'), ['runner.mjs']],
]) {
  const proxy = await proxyServer(name);
  try {
    await script(name, cmd, typeof args === 'function' ? args(proxy.port) : args, false, proxy.url);
  } finally {
    proxy.close();
  }
}
await workerd();
await chromium();
