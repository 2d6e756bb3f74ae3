// Entry for Deno: the wasm is read next to this file (needs --allow-read) and
// instantiated synchronously, so `new InstaVM()` checks its options at once.
import { _initSync, _setEnvironment, envDenied } from './client.js';

// Reading the environment needs --allow-env. Without it, a missing apiKey is
// an error naming the flag; a missing baseUrl just means the default.
_setEnvironment((name, needed) => {
  try {
    return Deno.env.get(name);
  } catch (e) {
    if (needed && (e instanceof Deno.errors.PermissionDenied || e?.name === 'NotCapable')) throw envDenied(name);
    return undefined;
  }
});

_initSync(Deno.readFileSync(new URL('./instavm_wasm_bg.wasm', import.meta.url)));

export { InstaVM, init, _wasmMemoryBytes } from './client.js';
export * from './errors.js';
export { Image } from './image.js';
