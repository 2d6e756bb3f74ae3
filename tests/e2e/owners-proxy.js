// The proxy of the two-user table, the same module in Node, Deno, Bun and
// workerd: instavm-wasm/proxy scoped by `owner`, with a session that is a
// bearer token naming the user (a test's stand-in for a verified session;
// the README's recipe verifies a signed cookie). `x-test-slow-authorize: MS`
// makes `authorize` take that long, for the caller who leaves meanwhile.
import { createProxy } from 'instavm-wasm/proxy';

const USERS = ['alice', 'bob'];

/** The user a request's `Authorization: Bearer <user>` names, or null. */
function userOf(request) {
  const user = /^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
  return USERS.includes(user) ? user : null;
}

/**
 * An upstream that does not keep `metadata` on a VM made by clone or resume
 * (InstaVM does not document that it does): the emulator's records of such
 * VMs are read without it, so the proxy must know those VMs by itself.
 */
function forgetfulFetch(url, init) {
  return fetch(url, init).then(async (response) => {
    if (!(response.headers.get('content-type') ?? '').includes('json')) return response;
    const text = await response.text();
    let value;
    try {
      value = JSON.parse(text);
    } catch {
      return new Response(text, response);
    }
    const forget = (r) => (r && typeof r === 'object' && (r.cloned_from || r.resumed_from) ? { ...r, metadata: {} } : r);
    const out = Array.isArray(value) ? value.map(forget) : forget(value);
    return new Response(JSON.stringify(out), { status: response.status, headers: response.headers });
  });
}

/** The proxy: `key` and `base` of the API, `forgetful` for the upstream above. */
export function makeProxy({ key, base, forgetful = false }) {
  return createProxy({
    apiKey: key,
    baseUrl: base,
    prefix: '/instavm',
    allow: ['snapshots.*', 'vms.*'],
    authorize: async (request) => {
      const slow = Number(request.headers.get('x-test-slow-authorize') ?? 0);
      if (slow > 0) await new Promise((resolve) => setTimeout(resolve, slow));
      return userOf(request) !== null || 401;
    },
    owner: userOf,
    sharedSnapshots: 'system',
    ...(forgetful ? { fetch: forgetfulFetch } : {}),
  });
}
