// Entry for browsers, Deno and any runtime with fetch and URL-relative
// modules: the wasm is fetched next to this file on first use (or `init()`).
import load from './instavm_wasm.js';
import { _setLoader } from './client.js';

_setLoader((input) => load(input === undefined ? undefined : { module_or_path: input }));

export { InstaVM, init, _wasmMemoryBytes } from './client.js';
export * from './errors.js';
export { Image } from './image.js';
