// instavm-wasm/proxy as an endpoint, made at module scope: `vite build`
// loads this module with no key in the environment, and must pass.
import { createProxy } from 'instavm-wasm/proxy';
import { env } from '$env/dynamic/private';

const proxy = createProxy({
  apiKey: env.INSTAVM_API_KEY,
  baseUrl: env.INSTAVM_BASE_URL,
  prefix: '/instavm',
  origin: env.APP_ORIGIN,
  allow: ['snapshots.*', 'vms.*'],
  authorize: 'public', // the test's; an app checks its session here
});

/** @type {import('./$types').RequestHandler} */
const handle = ({ request }) => proxy(request);

export const GET = handle;
export const POST = handle;
export const PATCH = handle;
export const DELETE = handle;
