// The plain-fetch twin of worker-cold.js.
export default {
  async fetch(request) {
    const base = new URL(request.url).searchParams.get('base');
    const t0 = performance.now();
    await (await fetch(`${base}/v1/snapshots`, { headers: { 'X-API-Key': 'bench' } })).json();
    return new Response(String(performance.now() - t0));
  },
};
