// `npm start`: builds the package and the emulator, then serves the API on
// http://127.0.0.1:8787 (PORT and BUILD_MS override) until Ctrl-C.
import { build } from './lib/build.mjs';
import { buildEmulator, startEmulator } from './lib/emulator.mjs';
import { StepError } from './lib/run.mjs';

try {
  build();
  buildEmulator();
  const args = ['--port', process.env.PORT ?? '8787', '--build-ms', process.env.BUILD_MS ?? '3000'];
  const emulator = await startEmulator({ args, inheritOutput: true });
  console.log(`instavm-wasm: the emulator serves the InstaVM API at ${emulator.url}`);
  console.log(`  try: new InstaVM({ apiKey: 'instavm_sk_demo', baseUrl: '${emulator.url}' })   (Ctrl-C stops)`);
  const stop = () => emulator.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  emulator.child.on('exit', (code) => process.exit(code ?? 1));
} catch (e) {
  console.error(`\nnpm start failed: ${e instanceof StepError ? e.message : e.stack}`);
  process.exit(1);
}
