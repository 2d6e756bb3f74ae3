// instavm-wasm/proxy as a Route Handler, made at module scope: `next build`
// evaluates this module with no key in the environment, and must pass.
import { createProxy } from 'instavm-wasm/proxy';

const proxy = createProxy({
  apiKey: process.env.INSTAVM_API_KEY,
  baseUrl: process.env.INSTAVM_BASE_URL,
  prefix: '/instavm',
  origin: process.env.APP_ORIGIN,
  allow: ['snapshots.*', 'vms.*'],
  authorize: 'public', // the test's; an app checks its session here
});

export const GET = proxy;
export const POST = proxy;
export const PATCH = proxy;
export const DELETE = proxy;
