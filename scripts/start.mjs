// `npm start`: builds the package and the emulator, then serves the API and
// the demo page (www/, with the package's browser build under /pkg/) on one
// origin, http://127.0.0.1:8787 (PORT and BUILD_MS override), until Ctrl-C.
import { build } from './lib/build.mjs';
import { buildEmulator, startEmulator } from './lib/emulator.mjs';
import { StepError } from './lib/run.mjs';

try {
  build();
  buildEmulator();
  const args = ['--port', process.env.PORT ?? '8787', '--build-ms', process.env.BUILD_MS ?? '3000', '--static', 'www', '--static', '/pkg=pkg'];
  const emulator = await startEmulator({ args, inheritOutput: true });
  console.log(`\ninstavm-wasm demo: open ${emulator.url}/ in a browser`);
  console.log(`  the same origin serves the InstaVM API (emulated): new InstaVM({ apiKey: 'instavm_sk_demo', baseUrl: '${emulator.url}' })`);
  console.log('  Ctrl-C stops it');
  const stop = () => emulator.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  emulator.child.on('exit', (code) => process.exit(code ?? 1));
} catch (e) {
  console.error(`\nnpm start failed: ${e instanceof StepError ? e.message : e.stack}`);
  process.exit(1);
}
