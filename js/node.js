// Entry for Node and Bun: the wasm is read from the package's own files and
// instantiated synchronously, so `new InstaVM()` checks its options at once.
import { readFileSync } from 'node:fs';
import { _initSync } from './client.js';

_initSync(readFileSync(new URL('./instavm_wasm_bg.wasm', import.meta.url)));

export { InstaVM, init } from './client.js';
export * from './errors.js';
