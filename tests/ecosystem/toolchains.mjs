// The toolchains that do not ship the wasm by themselves, each set up as its
// own docs start a project, built from scratch in the scratch project:
// esbuild (`--bundle`, its default IIFE format for the browser) and Rollup
// (with @rollup/plugin-node-resolve, which its docs add to use packages from
// node_modules). As they are, the page must fail at once with the package's
// own error naming the fix; with the fix the README gives (esbuild
// `--format=esm` and the wasm copied beside; Rollup's
// @web/rollup-plugin-import-meta-assets), the whole scenario must pass.
// Next.js (App Router, as create-next-app lays it out) is built with
// `next build` and no key in the environment, then served by `next start`.
// webpack 5 is built as its getting-started guide sets it up, and must just
// work, and so must Parcel with no configuration. (Vite is built in run.mjs.)
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A page that makes one call and records what it got: the check of a build as it is. */
const CHECK = `import { InstaVM, InstaVMError } from 'instavm-wasm';
const params = new URLSearchParams(location.search);
new InstaVM({ apiKey: params.get('key'), baseUrl: params.get('base'), maxRetries: 0, dangerouslyAllowBrowser: true }).snapshots.list().then(
  () => { window.__toolchain = { ok: true }; },
  (e) => { window.__toolchain = { ok: false, name: e && e.name, code: e && e.code, ours: e instanceof InstaVMError, message: String(e && e.message) }; },
);
`;

const page = (script, module) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>toolchain</title></head>
<body><p id="status">running</p><script ${module ? 'type="module" ' : ''}src="${script}"></script></body></html>
`;

/**
 * Builds every toolchain page under `scratch/toolchains/<name>/`. Resolves
 * with `[{ name, dir, expect }]`: `expect` is `'scenario'` (the page runs the
 * ecosystem scenario) or the fix its error must name (a RegExp).
 */
export async function buildToolchainPages(scratch, repoRoot) {
  const root = join(scratch, 'toolchains');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const check = join(root, 'check.js');
  writeFileSync(check, CHECK);
  const scenario = join(scratch, 'vite-app', 'main.js');
  const wasm = join(scratch, 'node_modules', 'instavm-wasm', 'pkg', 'instavm_wasm_bg.wasm');
  const pages = [];
  const add = (name, dir, script, module, expect) => {
    writeFileSync(join(dir, 'index.html'), page(script, module));
    pages.push({ name, dir, expect });
  };

  const esbuild = await import('esbuild');
  {
    // As esbuild's docs start: --bundle, and for the browser its format is an IIFE.
    const dir = join(root, 'esbuild-as-is');
    await esbuild.build({ entryPoints: [check], bundle: true, outfile: join(dir, 'out.js'), platform: 'browser', logLevel: 'silent', absWorkingDir: scratch });
    add('esbuild --bundle (IIFE), as is', dir, 'out.js', false, /esbuild needs --format=esm/);
  }
  {
    const dir = join(root, 'esbuild-esm');
    await esbuild.build({ entryPoints: [scenario], bundle: true, format: 'esm', outfile: join(dir, 'main.js'), platform: 'browser', logLevel: 'silent', absWorkingDir: scratch });
    copyFileSync(wasm, join(dir, 'instavm_wasm_bg.wasm'));
    add('esbuild --format=esm, the wasm copied beside', dir, 'main.js', true, 'scenario');
  }

  {
    // webpack 5 as its getting-started guide sets it up: an entry, an output, production mode.
    const dir = join(root, 'webpack');
    const { default: webpack } = await import('webpack');
    const stats = await new Promise((resolve, reject) =>
      webpack({ mode: 'production', context: scratch, entry: scenario, output: { path: dir, filename: 'main.js', clean: true } }, (e, result) => (e ? reject(e) : resolve(result))),
    );
    if (stats.hasErrors()) throw new Error(`webpack: ${stats.toString('errors-only')}`);
    add('webpack 5, as its guide sets it up', dir, 'main.js', false, 'scenario');
  }

  {
    // Parcel as its docs start: `parcel build index.html`, no configuration.
    // It reads no `exports` unless told to, so this also proves the package's
    // `module` and `browser` fields (testing/package.json's among them).
    const dir = join(root, 'parcel');
    const bin = join(repoRoot, 'node_modules', 'parcel', 'lib', 'bin.js');
    const args = [bin, 'build', join(scratch, 'vite-app', 'index.html'), '--dist-dir', dir, '--cache-dir', join(root, '.parcel-cache'), '--no-autoinstall'];
    const { status, output } = await run(process.execPath, args, { cwd: scratch });
    if (status !== 0) throw new Error(`parcel build failed (exit ${status}):\n${output.slice(-3000)}`);
    pages.push({ name: 'Parcel 2, as its docs set it up', dir, expect: 'scenario', alsoInProcess: true });
  }

  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const { importMetaAssets } = await import('@web/rollup-plugin-import-meta-assets');
  const rolled = async (input, dir, plugins) => {
    const bundle = await rollup({ input, plugins: [nodeResolve({ browser: true, rootDir: scratch }), ...plugins], onwarn: () => {} });
    await bundle.write({ dir, format: 'es', entryFileNames: 'main.js' });
    await bundle.close();
  };
  {
    const dir = join(root, 'rollup-as-is');
    await rolled(check, dir, []);
    add('Rollup with node-resolve, as is', dir, 'main.js', true, /Rollup needs @web\/rollup-plugin-import-meta-assets/);
  }
  {
    const dir = join(root, 'rollup-assets');
    await rolled(scenario, dir, [importMetaAssets()]);
    add('Rollup with @web/rollup-plugin-import-meta-assets', dir, 'main.js', true, 'scenario');
  }
  return pages;
}

/** The checks of a build as it is, from what its page recorded. */
export function checkFailure(recorded, fix) {
  const results = [
    { name: 'the call fails with the package\'s own error', ok: recorded?.ours === true && recorded.name === 'InstaVMError', detail: JSON.stringify(recorded) },
    { name: 'its code is wasm_load_failed', ok: recorded?.code === 'wasm_load_failed', detail: String(recorded?.code) },
    { name: `its message names the fix (${fix})`, ok: fix.test(recorded?.message ?? ''), detail: recorded?.message ?? '' },
  ];
  const passed = results.filter((r) => r.ok).length;
  return { results, passed, failed: results.length - passed };
}

/**
 * The Next.js app (tests/ecosystem/next-app, create-next-app's App Router
 * layout and no next.config.js), built with `next build` and no key in the
 * environment, as CI builds it. Resolves with its folder; throws with the
 * build's output when it fails.
 */
export async function buildNextApp(scratch, repoRoot) {
  const dir = join(scratch, 'next-app');
  copyFileSync(join(scratch, 'scenario.js'), join(dir, 'scenario.js'));
  await buildApp('next build', [nextBin(repoRoot), 'build'], dir, { NEXT_TELEMETRY_DISABLED: '1' });
  return dir;
}

/** Runs an app's build in `dir` with no key, API URL or origin in the environment, as CI builds it; throws with its output when it fails. */
export async function buildApp(label, args, dir, extraEnv = {}) {
  for (const out of ['.next', 'build']) rmSync(join(dir, out), { recursive: true, force: true });
  const env = { ...process.env, ...extraEnv };
  for (const name of ['INSTAVM_API_KEY', 'INSTAVM_BASE_URL', 'APP_ORIGIN', 'SESSION_SECRET']) delete env[name];
  const { status, output } = await run(process.execPath, args, { cwd: dir, env });
  if (status !== 0) throw new Error(`${label} failed (exit ${status}):\n${output.slice(-3000)}`);
}

/** `next start` for the built app on a free port, with `env`; resolves with `{ url, close }` once it answers. */
export async function startNextApp(dir, repoRoot, env) {
  const port = await freePort();
  return serveApp('next start', [nextBin(repoRoot), 'start', '-p', String(port), '-H', '127.0.0.1'], dir, port, { NEXT_TELEMETRY_DISABLED: '1', ...env });
}

/**
 * The SvelteKit app (tests/ecosystem/sveltekit-app: `npx sv create`'s
 * layout with adapter-node), built with `vite build` and no key in the
 * environment. Resolves with its folder; throws with the build's output.
 */
export async function buildSvelteKitApp(scratch, repoRoot) {
  const dir = join(scratch, 'sveltekit-app');
  mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  copyFileSync(join(scratch, 'scenario.js'), join(dir, 'src', 'lib', 'scenario.js'));
  await buildApp('vite build', [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], dir);
  return dir;
}

/** adapter-node's server (`node build`) for the built app, as its docs run it: PORT, HOST and ORIGIN from the environment. */
export async function startSvelteKitApp(dir, env) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  return serveApp('node build', ['build'], dir, port, { PORT: String(port), HOST: '127.0.0.1', ORIGIN: origin, ...env });
}

/** Starts an app's server on `port` with `env` (and APP_ORIGIN, its own URL); resolves with `{ url, close, output }` once it answers. */
export async function serveApp(label, args, dir, port, env) {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, APP_ORIGIN: url, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const close = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  for (const end = Date.now() + 30_000; Date.now() < end; ) {
    if (child.exitCode !== null) throw new Error(`${label} exited (${child.exitCode}):\n${output}`);
    const up = await fetch(url, { method: 'HEAD' }).then(() => true, () => false);
    if (up) return { url, close, output: () => output };
    await new Promise((r) => setTimeout(r, 200));
  }
  await close();
  throw new Error(`${label} did not answer within 30 s:\n${output}`);
}

/** The `next` command of the repository's own install. */
export const nextBin = (repoRoot) => join(repoRoot, 'node_modules', 'next', 'dist', 'bin', 'next');

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(cmd, args, options) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('close', (status) => resolve({ status, output }));
  });
}
