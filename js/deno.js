// Entry for Deno: the wasm is read next to this file (needs --allow-read) and
// instantiated synchronously, so `new InstaVM()` checks its options at once.
import { _initSync } from './client.js';

_initSync(Deno.readFileSync(new URL('./instavm_wasm_bg.wasm', import.meta.url)));

export { InstaVM, init } from './client.js';
export * from './errors.js';
export { Image } from './image.js';
