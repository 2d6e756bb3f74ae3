// The toolchains that do not ship the wasm by themselves, each set up as its
// own docs start a project, built from scratch in the scratch project:
// esbuild (`--bundle`, its default IIFE format for the browser) and Rollup
// (with @rollup/plugin-node-resolve, which its docs add to use packages from
// node_modules). As they are, the page must fail at once with the package's
// own error naming the fix; with the fix the README gives (esbuild
// `--format=esm` and the wasm copied beside; Rollup's
// @web/rollup-plugin-import-meta-assets), the whole scenario must pass.
// (Vite is built in run.mjs; webpack, Parcel and Next.js are not built here yet.)
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
export async function buildToolchainPages(scratch) {
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
