// Entry for Cloudflare Workers (workerd): the wasm is imported as a compiled
// module, which is how wrangler and Miniflare bundle `.wasm` (compiling from
// bytes is refused there), and instantiated synchronously.
import wasmModule from './instavm_wasm_bg.wasm';
import { _initSync } from './client.js';

_initSync(wasmModule);

export { InstaVM, init, _wasmMemoryBytes } from './client.js';
export * from './errors.js';
export { Image } from './image.js';
