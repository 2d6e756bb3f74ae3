// Builds the npm package into pkg/: the wasm (cargo, wasm-bindgen, wasm-opt)
// and one bundled module per entry (wasm-bindgen's glue and the js/ layer).
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root, run, step } from './run.mjs';
import { ensureAll } from './toolchain.mjs';

export const pkgDir = join(root, 'pkg');
const wasmIn = join(root, 'target', 'wasm32-unknown-unknown', 'release', 'instavm_wasm.wasm');
const wasmOut = join(pkgDir, 'instavm_wasm_bg.wasm');
// The emulator's in-process host, behind `instavm-wasm/testing`: a wasm of
// its own, so the client's download does not grow by a byte.
const emulatorIn = join(root, 'target', 'wasm32-unknown-unknown', 'release', 'instavm_emulator_wasm.wasm');
const emulatorOut = join(pkgDir, 'instavm_emulator_bg.wasm');

// Rust's wasm32 target emits these post-MVP features; wasm-opt must accept them.
const WASM_FEATURES = [
  '--enable-bulk-memory',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-mutable-globals',
  '--enable-reference-types',
  '--enable-multivalue',
];

// -Oz until it changes nothing more (--converge), and without the two custom
// sections no runtime reads once wasm-bindgen has run (which tools made it;
// which features it uses): measured, see CONTRIBUTING's "Decisions".
const WASM_OPT = ['-Oz', '--converge', '--strip-producers', '--strip-target-features', ...WASM_FEATURES];

// wasm-bindgen's glue and the hand-written layer
// meet here; only bundles of them go into pkg/.
const stageDir = join(root, 'target', 'pkg-stage');

/**
 * The package's entries, each bundled into one module: a runtime then loads
 * one JS file and the wasm (fewer module loads at start-up, one request and
 * one gzip stream in a browser). Only the browser entry is minified, where
 * every byte is downloaded; the others stay readable in stack traces.
 */
const ENTRIES = [
  { src: 'node.js', out: 'node.js', args: ['--format=esm', '--platform=node'] },
  { src: 'deno.js', out: 'deno.js', args: ['--format=esm', '--platform=neutral'] },
  // workerd imports the wasm as a compiled module; the import stays for the user's bundler.
  { src: 'workerd.js', out: 'workerd.js', args: ['--format=esm', '--platform=neutral', '--external:./instavm_wasm_bg.wasm'] },
  // Next.js's edge runtime and Vercel's: the same, imported with `?module` as they ask.
  { src: 'edge.js', out: 'edge.js', args: ['--format=esm', '--platform=neutral', '--external:./instavm_wasm_bg.wasm?module'] },
  { src: 'web.js', out: 'web.js', args: ['--format=esm', '--platform=browser', '--minify'] },
  // require(): the same modules as one CommonJS file. The web glue's default
  // loader reads import.meta.url; the CommonJS entry never calls it.
  { src: 'cjs/node.js', out: 'node.cjs', args: ['--format=cjs', '--platform=node', '--log-override:empty-import-meta=silent'] },
  // `instavm-wasm/testing`: the same runtimes, loading the emulator's wasm.
  { src: 'testing/node.js', out: 'testing-node.js', args: ['--format=esm', '--platform=node'] },
  { src: 'testing/node.js', out: 'testing-node.cjs', args: ['--format=cjs', '--platform=node', '--log-override:empty-import-meta=silent'] },
  { src: 'testing/deno.js', out: 'testing-deno.js', args: ['--format=esm', '--platform=neutral'] },
  { src: 'testing/workerd.js', out: 'testing-workerd.js', args: ['--format=esm', '--platform=neutral', '--external:./instavm_emulator_bg.wasm'] },
  { src: 'testing/web.js', out: 'testing-web.js', args: ['--format=esm', '--platform=browser', '--minify'] },
  // `instavm-wasm/proxy`: plain JS on web standards, no wasm, so one module
  // serves every runtime (Workers, Deno, Bun, Node), plus its CommonJS twin.
  // `npx instavm-emulator` (package.json "bin"): bundled for its helpers, but
  // its import of ./testing-node.js stays, so the emulator's glue ships once.
  { src: 'bin/instavm-emulator.js', out: 'instavm-emulator.js', args: ['--format=esm', '--platform=node', '--external:./testing-node.js'] },
  { src: 'proxy/index.js', out: 'proxy.js', args: ['--format=esm', '--platform=neutral'] },
  { src: 'proxy/index.js', out: 'proxy.cjs', args: ['--format=cjs', '--platform=neutral'] },
];

export function build() {
  ensureAll();
  step('compiling the wasm (cargo build --release --target wasm32-unknown-unknown)');
  run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '-p', 'instavm-wasm', '-p', 'instavm-emulator-wasm']);
  rmSync(stageDir, { recursive: true, force: true });
  step('generating the JS glue (wasm-bindgen --target web)');
  // One glue serves every runtime: the entries differ only in how they load the wasm.
  run('wasm-bindgen', ['--target', 'web', '--no-typescript', '--out-dir', stageDir, '--out-name', 'instavm_wasm', wasmIn]);
  run('wasm-bindgen', ['--target', 'web', '--no-typescript', '--out-dir', stageDir, '--out-name', 'instavm_emulator', emulatorIn]);
  cpSync(join(root, 'js'), stageDir, { recursive: true });
  rmSync(pkgDir, { recursive: true, force: true });
  mkdirSync(pkgDir);
  step('shrinking the wasm (wasm-opt -Oz, from the npm binaryen)');
  run(join(root, 'node_modules', '.bin', 'wasm-opt'), [...WASM_OPT, join(stageDir, 'instavm_wasm_bg.wasm'), '-o', wasmOut]);
  run(join(root, 'node_modules', '.bin', 'wasm-opt'), [...WASM_OPT, join(stageDir, 'instavm_emulator_bg.wasm'), '-o', emulatorOut]);
  step('bundling each entry into one module (esbuild)');
  for (const { src, out, args } of ENTRIES) {
    run(join(root, 'node_modules', '.bin', 'esbuild'), [
      join(stageDir, src),
      '--bundle',
      '--target=es2022',
      '--log-level=warning',
      ...args,
      `--outfile=${join(pkgDir, out)}`,
    ]);
  }
  // The same declarations serve import and require.
  copyFileSync(join(root, 'js', 'index.d.ts'), join(pkgDir, 'index.d.ts'));
  copyFileSync(join(root, 'js', 'index.d.ts'), join(pkgDir, 'index.d.cts'));
  copyFileSync(join(root, 'js', 'testing', 'index.d.ts'), join(pkgDir, 'testing.d.ts'));
  copyFileSync(join(root, 'js', 'testing', 'index.d.ts'), join(pkgDir, 'testing.d.cts'));
  copyFileSync(join(root, 'js', 'proxy', 'index.d.ts'), join(pkgDir, 'proxy.d.ts'));
  copyFileSync(join(root, 'js', 'proxy', 'index.d.ts'), join(pkgDir, 'proxy.d.cts'));
  printSizes();
}

/** Raw and gzip sizes of what the package ships. */
export function sizes() {
  const out = {};
  for (const f of readdirSync(pkgDir)) {
    if (f.endsWith('.d.ts') || f.endsWith('.d.cts')) continue;
    const bytes = readFileSync(join(pkgDir, f));
    out[f] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  return out;
}

function printSizes() {
  const s = sizes();
  console.log('\nshipped files (bytes):');
  for (const [f, { raw, gzip }] of Object.entries(s)) console.log(`  ${f.padEnd(24)} ${String(raw).padStart(8)} raw ${String(gzip).padStart(7)} gzip`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    build();
  } catch (e) {
    console.error(`\nbuild failed: ${e.message}`);
    process.exit(1);
  }
}
