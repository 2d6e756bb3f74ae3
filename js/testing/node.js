// `instavm-wasm/testing` for Node and Bun: the emulator's wasm is read from
// the package's files on the first `createEmulator()`.
import { initSync } from '../instavm_emulator.js';
import { createEmulatorWith } from './emulator.js';

let loaded = false;
const wasmUrl = import.meta.url ? new URL('./instavm_emulator_bg.wasm', import.meta.url) : `${__dirname}/instavm_emulator_bg.wasm`;

export function createEmulator(options) {
  return createEmulatorWith(async () => {
    if (loaded) return;
    const fs = globalThis.process?.getBuiltinModule?.('node:fs') ?? (await import('node:fs'));
    initSync({ module: fs.readFileSync(wasmUrl) });
    loaded = true;
  }, options);
}
