// `createEmulator()` to its first answer, in a fresh Node process: from the
// call to a parsed `list` through the client, after the imports. Node loads
// its fetch classes (undici) on their first use, about 25 ms that any first
// fetch pays; WARM=1 pays it before the clock starts, to show the
// emulator's own share. Prints `EMULATOR <to first answer> <createEmulator alone> <imports>`.
if (process.env.WARM === '1') new Request('http://warm.invalid/');
const t0 = performance.now();
const { createEmulator } = await import('instavm-wasm/testing');
const { InstaVM } = await import('instavm-wasm');
const t1 = performance.now();
const emu = await createEmulator();
const t2 = performance.now();
await new InstaVM({ apiKey: 'bench', baseUrl: emu.baseUrl, fetch: emu.fetch }).snapshots.list();
const t3 = performance.now();
emu.close();
console.log(`EMULATOR ${(t3 - t1).toFixed(3)} ${(t2 - t1).toFixed(3)} ${(t1 - t0).toFixed(3)}`);
