// Entry for Deno: the wasm is read next to this file (needs --allow-read) and
// instantiated synchronously, so `new InstaVM()` checks its options at once.
import { initSync } from './instavm_wasm.js';
import { _markLoaded, _setLoader } from './client.js';

initSync({ module: Deno.readFileSync(new URL('./instavm_wasm_bg.wasm', import.meta.url)) });
_markLoaded();
_setLoader(() => {});

export { InstaVM, init } from './client.js';
export * from './errors.js';
