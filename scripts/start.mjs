// `npm start`: builds the package (and so the emulator's bin), then serves the demo page
// (www/, with the package's browser build under /pkg/) and, on the same
// origin under /instavm, instavm-wasm/proxy in front of the emulator, on
// http://127.0.0.1:8787 (PORT and BUILD_MS override), until Ctrl-C. The proxy
// holds a key made for this run; the page holds none.
import { build } from './lib/build.mjs';
import { startDemoServer, PROXY_PREFIX } from './lib/demo-server.mjs';
import { StepError } from './lib/run.mjs';

try {
  build();
  const demo = await startDemoServer({ port: Number(process.env.PORT ?? 8787), buildMs: Number(process.env.BUILD_MS ?? 3000), inheritOutput: true });
  console.log(`\ninstavm-wasm demo: open ${demo.url}/ in a browser`);
  console.log(`  the page holds no key: instavm-wasm/proxy at ${demo.url}${PROXY_PREFIX} adds the server's own and forwards snapshots.* and vms.*`);
  console.log(`  in the page: new InstaVM({ apiKey: null, baseUrl: '${PROXY_PREFIX}' })`);
  console.log(`  the emulated InstaVM API behind it: ${demo.emulatorUrl} (direct, with a key such as instavm_sk_demo)`);
  console.log('  Ctrl-C stops it');
  let stopping = false;
  const stop = () => {
    stopping = true;
    demo.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // The emulator gone on its own: the page's API is gone with it.
  demo.emulatorExit.then((code) => stopping || process.exit(code ?? 1));
} catch (e) {
  console.error(`\nnpm start failed: ${e instanceof StepError ? e.message : e.stack}`);
  process.exit(1);
}
