// The scenario as a script, for Node (ESM), Deno and Bun: the package is
// imported exactly as a user would, and the result is printed as one line.
import * as pkg from 'instavm-wasm';
import { scenario } from './scenario.js';

const env = (name) => globalThis.Deno?.env.get(name) ?? globalThis.process?.env[name];
const result = await scenario({ pkg, baseUrl: env('INSTAVM_BASE_URL'), apiKey: env('INSTAVM_API_KEY') });
console.log(`ECOSYSTEM-RESULT ${JSON.stringify(result)}`);
