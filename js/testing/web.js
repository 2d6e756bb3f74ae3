// `instavm-wasm/testing` for browsers: the emulator's wasm is fetched next
// to this file on the first `createEmulator()`.
import load from '../instavm_emulator.js';
import { createEmulatorWith } from './emulator.js';

let loading = null;

export function createEmulator(options) {
  return createEmulatorWith(() => (loading ??= load()), options);
}
