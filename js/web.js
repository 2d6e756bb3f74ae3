// Entry for browsers and any bundler or runtime that resolves the `browser`,
// `import` or `default` condition (Deno has its own entry, deno.js): the
// wasm is fetched next to this file on first use (or `init()`).
import load from './instavm_wasm.js';
import { _markPage, _setLoader } from './client.js';
import { wasmLoadError } from './wasm-load-error.js';

/** Where the glue looks for the wasm: beside this module, or nowhere when a bundle has no import.meta.url. */
function besideThisModule() {
  try {
    return new URL('instavm_wasm_bg.wasm', import.meta.url).href;
  } catch {
    return undefined;
  }
}

// This entry is the browsers': a secret key here is refused (see `dangerouslyAllowBrowser`).
_markPage();

_setLoader(async (input) => {
  try {
    return await load(input === undefined ? undefined : { module_or_path: input });
  } catch (cause) {
    throw wasmLoadError(input, besideThisModule(), cause);
  }
});

export { InstaVM, init, _wasmMemoryBytes } from './client.js';
export * from './errors.js';
export { Image } from './image.js';
