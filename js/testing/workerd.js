// `instavm-wasm/testing` for Cloudflare Workers: the emulator's wasm is
// imported as a compiled module, as wrangler and Miniflare bundle `.wasm`.
import wasmModule from './instavm_emulator_bg.wasm';
import { initSync } from '../instavm_emulator.js';
import { createEmulatorWith } from './emulator.js';

let loaded = false;

export function createEmulator(options) {
  return createEmulatorWith(async () => {
    if (!loaded) initSync({ module: wasmModule });
    loaded = true;
  }, options);
}
