// Entry for Node and Bun: the wasm is read from the package's own files and
// instantiated synchronously, so `new InstaVM()` checks its options at once.
import { _initSync } from './client.js';

// `process.getBuiltinModule` (Node 20.16+, Bun) rather than `import 'node:fs'`:
// Node's ESM facade of fs loads fs/promises too, which measured about 2.5 ms
// of a cold start here. Older runtimes take the import.
const { readFileSync } = globalThis.process.getBuiltinModule?.('node:fs') ?? (await import('node:fs'));

_initSync(readFileSync(new URL('./instavm_wasm_bg.wasm', import.meta.url)));

export { InstaVM, init, _wasmMemoryBytes } from './client.js';
export * from './errors.js';
