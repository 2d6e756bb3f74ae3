// One cold start, measured inside a fresh process (Node, Deno or Bun):
// from just before `import('instavm-wasm')` to the moment the first request
// is handed to fetch. With `plain`, the same figure for a bare fetch call.
// Prints the milliseconds as `COLD <ms>`.
const env = (name) => globalThis.Deno?.env.get(name) ?? globalThis.process?.env[name];
const baseUrl = env('INSTAVM_BASE_URL');
const plain = env('COLD_PLAIN') === '1';
let sentAt = 0;
const t0 = performance.now();
if (plain) {
  sentAt = performance.now();
  await (await fetch(`${baseUrl}/v1/snapshots`, { headers: { 'X-API-Key': 'bench' } })).json();
} else {
  const { InstaVM } = await import(env('COLD_MODULE') ?? 'instavm-wasm');
  const fetchSpy = (request) => {
    sentAt ||= performance.now();
    return fetch(request);
  };
  await new InstaVM({ apiKey: 'bench', baseUrl, fetch: fetchSpy }).snapshots.list();
}
console.log(`COLD ${(sentAt - t0).toFixed(3)}`);
