// Entry for the `edge-light` condition: Next.js's edge runtime and Vercel
// Edge Functions. Their bundlers hand a `.wasm` imported with `?module` over
// as a compiled module, which is instantiated synchronously, as in workerd.
import wasmModule from './instavm_wasm_bg.wasm?module';
import { _initSync } from './client.js';

// Next.js runs edge code in a sandbox with a WebAssembly of its own, so the
// module it compiled fails `instanceof WebAssembly.Module` there, and the
// glue would try to compile it again from bytes it does not have. The
// module is valid in any realm: it only takes this realm's prototype.
_initSync(wasmModule instanceof WebAssembly.Module ? wasmModule : Object.setPrototypeOf(wasmModule, WebAssembly.Module.prototype));

export { InstaVM, init, _wasmMemoryBytes } from './client.js';
export * from './errors.js';
export { Image } from './image.js';
