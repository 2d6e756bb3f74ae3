// Builds the npm package into pkg/: the wasm (cargo, wasm-bindgen, wasm-opt)
// and the hand-written JS layer beside it.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root, run, step } from './run.mjs';
import { ensureAll } from './toolchain.mjs';

export const pkgDir = join(root, 'pkg');
const wasmIn = join(root, 'target', 'wasm32-unknown-unknown', 'release', 'instavm_wasm.wasm');
const wasmOut = join(pkgDir, 'instavm_wasm_bg.wasm');

// Rust's wasm32 target emits these post-MVP features; wasm-opt must accept them.
const WASM_FEATURES = [
  '--enable-bulk-memory',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-mutable-globals',
  '--enable-reference-types',
  '--enable-multivalue',
];

export function build() {
  ensureAll();
  step('compiling the wasm (cargo build --release --target wasm32-unknown-unknown --features no-std)');
  run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '-p', 'instavm-wasm', '--features', 'no-std']);
  rmSync(pkgDir, { recursive: true, force: true });
  mkdirSync(pkgDir);
  step('generating the JS glue (wasm-bindgen --target web)');
  // One glue serves every runtime: the entries differ only in how they load the wasm.
  run('wasm-bindgen', ['--target', 'web', '--no-typescript', '--out-dir', pkgDir, '--out-name', 'instavm_wasm', wasmIn]);
  step('shrinking the wasm (wasm-opt -Oz, from the npm binaryen)');
  run(join(root, 'node_modules', '.bin', 'wasm-opt'), ['-Oz', ...WASM_FEATURES, wasmOut, '-o', wasmOut]);
  for (const f of readdirSync(join(root, 'js'), { withFileTypes: true })) {
    if (f.isFile()) copyFileSync(join(root, 'js', f.name), join(pkgDir, f.name));
  }
  // CommonJS types and entry for require(): the same declarations, and the
  // same modules bundled into one CommonJS file.
  copyFileSync(join(pkgDir, 'index.d.ts'), join(pkgDir, 'index.d.cts'));
  mkdirSync(join(pkgDir, 'cjs'));
  copyFileSync(join(root, 'js', 'cjs', 'node.js'), join(pkgDir, 'cjs', 'node.js'));
  step('bundling the CommonJS entry (esbuild)');
  run(join(root, 'node_modules', '.bin', 'esbuild'), [
    join(pkgDir, 'cjs', 'node.js'),
    '--bundle',
    '--format=cjs',
    '--platform=node',
    '--target=node18',
    '--log-level=warning',
    // The web glue's default loader reads import.meta.url; the CommonJS entry never calls it.
    '--log-override:empty-import-meta=silent',
    `--outfile=${join(pkgDir, 'node.cjs')}`,
  ]);
  rmSync(join(pkgDir, 'cjs'), { recursive: true });
  printSizes();
}

/** Raw and gzip sizes of what the package ships. */
export function sizes() {
  const out = {};
  for (const f of readdirSync(pkgDir)) {
    if (f.endsWith('.d.ts') || f.endsWith('.d.cts')) continue;
    const bytes = readFileSync(join(pkgDir, f));
    out[f] = { raw: statSync(join(pkgDir, f)).size, gzip: gzipSync(bytes, { level: 9 }).length };
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
