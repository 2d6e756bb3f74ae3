// `instavm-wasm/testing` for Deno: the emulator's wasm is read next to this
// file (needs --allow-read) on the first `createEmulator()`.
import { initSync } from '../instavm_emulator.js';
import { createEmulatorWith } from './emulator.js';

let loaded = false;

export function createEmulator(options) {
  return createEmulatorWith(async () => {
    if (!loaded) initSync({ module: Deno.readFileSync(new URL('./instavm_emulator_bg.wasm', import.meta.url)) });
    loaded = true;
  }, options);
}
