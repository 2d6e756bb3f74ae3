// The scenario as a script, for Node (ESM), Deno and Bun: the package is
// imported exactly as a user would, and the result is printed as one line.
// INSTAVM_IN_PROCESS=1 runs it against instavm-wasm/testing instead.
import * as pkg from 'instavm-wasm';
import { withEmulator } from './scenario.js';

const env = (name) => globalThis.Deno?.env.get(name) ?? globalThis.process?.env[name];
const result = await withEmulator({
  pkg,
  loadTesting: () => import('instavm-wasm/testing'),
  baseUrl: env('INSTAVM_BASE_URL'),
  // Keyless: the proxy in front of the emulator holds the key.
  apiKey: env('INSTAVM_KEYLESS') === '1' ? null : env('INSTAVM_API_KEY'),
  inProcess: env('INSTAVM_IN_PROCESS') === '1',
});
console.log(`ECOSYSTEM-RESULT ${JSON.stringify(result)}`);
