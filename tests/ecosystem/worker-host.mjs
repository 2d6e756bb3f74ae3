// A Worker that imports instavm-wasm, built and run the way wrangler does it:
// esbuild with the workerd/worker/browser conditions and each .wasm kept as
// a module of its own, then workerd (Miniflare) importing those modules as
// compiled wasm, since workerd refuses to compile wasm from bytes. Shared by
// the ecosystem harness and the README test (both are copied into the
// scratch project beside this file).
import { join } from 'node:path';

/** Bundles `entry` into `outdir/<entryName>.js` and starts it; the caller disposes of the Miniflare. */
export async function startWorker(entry, outdir, { entryName = 'worker', compatibilityDate, compatibilityFlags, bindings } = {}) {
  const { build } = await import('esbuild');
  const { Miniflare } = await import('miniflare');
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    loader: { '.wasm': 'copy' },
    entryNames: entryName,
    outdir,
    logLevel: 'warning',
  });
  return new Miniflare({
    modules: true,
    scriptPath: join(outdir, `${entryName}.js`),
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate,
    ...(compatibilityFlags ? { compatibilityFlags } : {}),
    ...(bindings ? { bindings } : {}),
  });
}
