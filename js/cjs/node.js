// Source of pkg/node.cjs, bundled to CommonJS by the build so that
// `require('instavm-wasm')` works in Node: the same client, loaded from the
// package's own wasm file synchronously.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { _initSync, _setEnvironment } from '../client.js';

_setEnvironment((name) => process.env[name]);

// `__dirname` is CommonJS's: this file only ever runs bundled as pkg/node.cjs.
_initSync(readFileSync(join(__dirname, 'instavm_wasm_bg.wasm')));

export { InstaVM, init, _wasmMemoryBytes } from '../client.js';
export * from '../errors.js';
export { Image } from '../image.js';
