// Cold start in workerd: the Worker's module is evaluated (the wasm
// instantiated) at startup; the handler reports how long the first request
// took to be handed to fetch, plus the startup cost is seen by the harness.
import { InstaVM } from 'instavm-wasm';

export default {
  async fetch(request) {
    const base = new URL(request.url).searchParams.get('base');
    let sentAt = 0;
    const t0 = performance.now();
    const spy = (url, init) => {
      sentAt ||= performance.now();
      return fetch(url, init);
    };
    await new InstaVM({ apiKey: 'bench', baseUrl: base, fetch: spy }).snapshots.list();
    return new Response(String(sentAt - t0));
  },
};
