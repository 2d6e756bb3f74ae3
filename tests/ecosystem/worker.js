// A Cloudflare Worker whose fetch handler runs the scenario against the
// emulator named in the request's `base` query parameter.
import * as pkg from 'instavm-wasm';
import { scenario } from './scenario.js';

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const result = await scenario({ pkg, baseUrl: url.searchParams.get('base'), apiKey: url.searchParams.get('key') });
    return Response.json(result);
  },
};
