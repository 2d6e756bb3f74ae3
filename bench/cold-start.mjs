// One cold start, measured inside a fresh process (Node, Deno or Bun), from
// just before `import('instavm-wasm')` to two moments:
// - SENT: the first request is handed to fetch;
// - ANSWERED: its answer is parsed and in the caller's hands.
// With `plain`, the same figures for a bare fetch call. Node loads its fetch
// machinery (undici) on first use: a bare fetch loads it inside the call,
// after SENT, while the client loads it building its Headers, before SENT;
// ANSWERED holds that load on both sides and is the figure a user waits for.
// Prints `COLD <sent ms> <answered ms>`.
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
  const fetchSpy = (url, init) => {
    sentAt ||= performance.now();
    return fetch(url, init);
  };
  await new InstaVM({ apiKey: 'bench', baseUrl, fetch: fetchSpy }).snapshots.list();
}
const answeredAt = performance.now();
console.log(`COLD ${(sentAt - t0).toFixed(3)} ${(answeredAt - t0).toFixed(3)}`);
