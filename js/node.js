// Entry for Node and Bun: the wasm is read from the package's own files and
// instantiated synchronously, so `new InstaVM()` checks its options at once.
import { readFileSync } from 'node:fs';
import { initSync } from './instavm_wasm.js';
import { _markLoaded, _setLoader } from './client.js';

initSync({ module: readFileSync(new URL('./instavm_wasm_bg.wasm', import.meta.url)) });
_markLoaded();
_setLoader(() => {});

export { InstaVM, init } from './client.js';
export * from './errors.js';
