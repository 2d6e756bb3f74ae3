// Entry for Node and Bun: the wasm is read from the package's own files and
// instantiated synchronously, so `new InstaVM()` checks its options at once.
import { _initSync, _setLoader, _setEnvironment } from './client.js';
import { wasmLoadError } from './wasm-load-error.js';

/** What a server bundle that moved the wasm needs: to leave the package to Node. */
const SERVER_BUNDLE_FIX = "On a server, let Node load the package itself: in Next.js, serverExternalPackages: ['instavm-wasm'] in next.config.js; in other bundlers, mark instavm-wasm external for the server build.";

// `new InstaVM()` reads INSTAVM_API_KEY and INSTAVM_BASE_URL from here.
_setEnvironment((name) => globalThis.process?.env?.[name]);

// Bundled to CommonJS by a user's build, import.meta is empty: the wasm is
// then looked for beside the bundle, where such builds copy it.
const wasmUrl = import.meta.url ? new URL('./instavm_wasm_bg.wasm', import.meta.url) : `${__dirname}/instavm_wasm_bg.wasm`;
// `process.getBuiltinModule` (Node 20.16+, Bun) rather than `import 'node:fs'`:
// Node's ESM facade of fs loads fs/promises too, a cost at every cold start
// (CONTRIBUTING.md, "Decisions"). Older Node loads fs on the first call instead (as a
// page does), so this module has no top-level await: bundling it to
// CommonJS (esbuild --format=cjs, as serverless tools do) keeps working.
//
// Only a path or a file: URL is read from disk. A bundler may hand back a URL
// object of its own (read again from its href), or, where it renders a page's
// modules on the server (Next.js prerendering a client component), the URL
// the browser will fetch (`/_next/static/media/...`): then nothing is read
// at import, and a call made there fails with the package's error.
const href = typeof wasmUrl === 'string' ? null : String(wasmUrl);
const wasmFile = href === null ? wasmUrl : href.startsWith('file:') ? new URL(href) : null;
const fs = globalThis.process?.getBuiltinModule?.('node:fs');
if (fs && wasmFile) _initSync(fs.readFileSync(wasmFile));
else {
  _setLoader(async () => {
    if (!wasmFile) throw wasmLoadError(undefined, href, new Error('a server bundle gave the wasm the URL a browser fetches'), SERVER_BUNDLE_FIX);
    _initSync((await import('node:fs')).readFileSync(wasmFile));
  });
}

export { InstaVM, init, _wasmMemoryBytes } from './client.js';
export * from './errors.js';
export { Image } from './image.js';
