// The demo page as `npm start` serves it: one node:http origin with the page
// (www/ at /, the package's build at /pkg/) and `instavm-wasm/proxy` at
// /instavm in front of the Rust emulator, which listens on a port of its own
// that the page never uses. The proxy holds a key made for this start; the
// page sends none, and nothing here prints it.
//
// Each browser is a user of its own: the first page load sets a signed
// session cookie (an id and its HMAC under a secret made for this start), and
// the proxy's `owner` is the id of a valid one, so two browsers (or two
// Playwright contexts) see only their own builds and VMs.
import { createServer } from 'node:http';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { extname, join } from 'node:path';
import { fileIn, sendFile } from '../../js/bin/static-files.js';
import { createProxy, toNodeListener } from '../../js/proxy/index.js';
import { startEmulator } from './emulator.mjs';
import { root } from './run.mjs';

export const PROXY_PREFIX = '/instavm';

/** URL prefix -> folder, longest first. */
const FOLDERS = [
  ['/pkg/', join(root, 'pkg')],
  ['/', join(root, 'www')],
];

const SESSION_COOKIE = 'instavm_demo_session';

/** Signs and checks the demo's session cookies: `<user id>.<HMAC-SHA256 of it, base64url>`. */
function sessions(secret = randomBytes(32)) {
  const sign = (id) => createHmac('sha256', secret).update(id).digest('base64url');
  return {
    /** A new visitor's cookie value. */
    issue: () => {
      const id = `visitor-${randomBytes(6).toString('hex')}`;
      return `${id}.${sign(id)}`;
    },
    /** The user id of a request's valid session cookie, or null. */
    userOf: (cookieHeader) => {
      const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([\\w-]+)\\.([\\w-]+)`).exec(cookieHeader ?? '');
      if (!m) return null;
      const want = Buffer.from(sign(m[1]));
      const got = Buffer.from(m[2]);
      return got.length === want.length && timingSafeEqual(got, want) ? m[1] : null;
    },
  };
}

function plain(res, status, text, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

async function serveStatic(req, res, pathname, session) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
  const [prefix, dir] = FOLDERS.find(([p]) => pathname.startsWith(p)) ?? [];
  const file = dir && fileIn(dir, pathname.slice(prefix.length));
  if (!file) return plain(res, 404, 'not found\n');
  // A page load without a valid session starts one: this browser is a new user.
  const cookie = extname(file) === '.html' && session.userOf(req.headers.cookie) === null ? { 'set-cookie': `${SESSION_COOKIE}=${session.issue()}; Path=/; HttpOnly; SameSite=Strict` } : {};
  try {
    sendFile(res, req.method, file, cookie);
  } catch {
    // unreadable: answered as missing
    plain(res, 404, 'not found\n');
  }
}

/**
 * Starts the emulator (internal, on a free port) and the page's server in
 * front of it. `port` 0 picks a free one. Resolves with `{ url, emulatorUrl,
 * stop, emulatorExit }` once both listen; `emulatorExit` settles with the
 * emulator's exit code should it stop on its own. `apiKey` is the key the
 * proxy holds (a fresh random one by default); it is never printed.
 */
export async function startDemoServer({ port = 8787, host = '127.0.0.1', buildMs = 3000, bootMs = 500, apiKey, inheritOutput = false } = {}) {
  const key = apiKey ?? `instavm_sk_server_${randomBytes(16).toString('hex')}`;
  const emulator = await startEmulator({ args: ['--port', '0', '--build-ms', String(buildMs), '--boot-ms', String(bootMs)], inheritOutput });
  const emulatorExit = new Promise((done) => emulator.child.once('exit', (code) => done(code)));
  const session = sessions();
  const userOf = (request) => session.userOf(request.headers.get('cookie'));
  let server;
  let proxy;
  try {
    server = createServer((req, res) => {
      const target = req.url ?? '/';
      if (!target.startsWith('/')) return plain(res, 400, 'bad request target\n');
      const pathname = target.split('?')[0];
      if (pathname === PROXY_PREFIX || pathname.startsWith(`${PROXY_PREFIX}/`)) return proxy(req, res);
      serveStatic(req, res, pathname, session).catch(() => {
        if (!res.headersSent) plain(res, 500, 'the file could not be served\n');
        else res.destroy();
      });
    });
    await new Promise((ok, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        ok();
      });
    });
  } catch (e) {
    await emulator.stop();
    throw e;
  }
  const { address, port: bound } = server.address();
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${bound}`;
  // The page's origin as a browser may name it: the address, and localhost for a loopback one.
  const origins = [url, ...(address === '127.0.0.1' || address === '::1' ? [`http://localhost:${bound}`] : [])];
  proxy = toNodeListener(
    createProxy({
      apiKey: key,
      baseUrl: emulator.url,
      prefix: PROXY_PREFIX,
      allow: ['snapshots.*', 'vms.*'],
      origin: origins,
      // A signed session cookie, which the page got with its first load.
      authorize: (request) => userOf(request) !== null || 401,
      owner: userOf,
      sharedSnapshots: 'system',
    }),
  );
  let stopping = null;
  const stop = () =>
    (stopping ??= (async () => {
      await new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await emulator.stop();
    })());
  return { url, emulatorUrl: emulator.url, stop, emulatorExit };
}
