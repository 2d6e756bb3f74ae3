// The error of a page whose bundle cannot find the client's wasm: the
// package's own (`InstaVMError`, code `wasm_load_failed`), naming the fix for
// the toolchains that do not ship the wasm by themselves. Vite, webpack and
// Parcel copy `new URL('…wasm', import.meta.url)` assets as they are; Rollup
// needs a plugin for it, and esbuild neither copies the file nor keeps
// `import.meta.url` in its default (IIFE) format.
import { InstaVMError } from './errors.js';

const FIXES =
  'Ship instavm_wasm_bg.wasm beside the bundle (Vite, webpack, Parcel and Next.js do): Rollup needs ' +
  '@web/rollup-plugin-import-meta-assets; esbuild needs --format=esm and pkg/instavm_wasm_bg.wasm copied ' +
  'beside its output. Or pass its URL to init(url) (instavm-wasm/wasm).';

/**
 * The error for a failed load of the wasm: `input` as given to `init`, `at`
 * the URL the glue derived from `import.meta.url` (undefined when the bundle
 * has none), `cause` what failed, `fix` what to do (the toolchains' fixes by
 * default).
 */
export function wasmLoadError(input, at, cause, fix = input === undefined ? FIXES : 'Is the URL right, and served as application/wasm?') {
  const where = input !== undefined ? ` from ${describe(input)}` : at ? ` from ${at}` : ': this bundle has no import.meta.url (an IIFE or CommonJS build), so the wasm cannot be found beside it';
  const why = cause?.message ? ` (${cause.message})` : '';
  return new InstaVMError(`instavm-wasm: the client's wasm could not be loaded${where}${why}. ${fix}`, { code: 'wasm_load_failed', cause });
}

function describe(input) {
  if (typeof input === 'string' || input instanceof URL) return String(input);
  if (typeof Request === 'function' && input instanceof Request) return input.url;
  return 'the bytes or module given to init()';
}
