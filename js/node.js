// Entry for Node and Bun: the wasm is read from the package's own files and
// instantiated synchronously, so `new InstaVM()` checks its options at once.
import { _initSync, _setLoader, _setEnvironment } from './client.js';

// `new InstaVM()` reads INSTAVM_API_KEY and INSTAVM_BASE_URL from here.
_setEnvironment((name) => globalThis.process?.env?.[name]);

// Bundled to CommonJS by a user's build, import.meta is empty: the wasm is
// then looked for beside the bundle, where such builds copy it.
const wasmUrl = import.meta.url ? new URL('./instavm_wasm_bg.wasm', import.meta.url) : `${__dirname}/instavm_wasm_bg.wasm`;
// `process.getBuiltinModule` (Node 20.16+, Bun) rather than `import 'node:fs'`:
// Node's ESM facade of fs loads fs/promises too, which measured about 2.5 ms
// of a cold start here. Older Node loads fs on the first call instead (as a
// page does), so this module has no top-level await: bundling it to
// CommonJS (esbuild --format=cjs, as serverless tools do) keeps working.
const fs = globalThis.process?.getBuiltinModule?.('node:fs');
if (fs) _initSync(fs.readFileSync(wasmUrl));
else _setLoader(async () => _initSync((await import('node:fs')).readFileSync(wasmUrl)));

export { InstaVM, init, _wasmMemoryBytes } from './client.js';
export * from './errors.js';
export { Image } from './image.js';
