// Entry for browsers and any bundler or runtime that resolves the `browser`,
// `import` or `default` condition (Deno has its own entry, deno.js): the
// wasm is fetched next to this file on first use (or `init()`).
import load from './instavm_wasm.js';
import { _setLoader } from './client.js';

_setLoader((input) => load(input === undefined ? undefined : { module_or_path: input }));

export { InstaVM, init, _wasmMemoryBytes } from './client.js';
export * from './errors.js';
export { Image } from './image.js';
