// A Cloudflare Worker whose fetch handler runs the scenario against the
// emulator named in the request's `base` query parameter, or, with
// `inprocess=1`, against instavm-wasm/testing inside the Worker.
import * as pkg from 'instavm-wasm';
import * as testing from 'instavm-wasm/testing';
import { withEmulator } from './scenario.js';

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const result = await withEmulator({
      pkg,
      loadTesting: async () => testing,
      baseUrl: url.searchParams.get('base'),
      // No `key` parameter: keyless, through a proxy that holds it.
      apiKey: url.searchParams.get('key'),
      inProcess: url.searchParams.get('inprocess') === '1',
    });
    return Response.json(result);
  },
};
