// Serving a web handler from `node:http`: a Node request as a standard
// `Request`, and a standard `Response` written back. Shared by
// `instavm-wasm/proxy`'s `toNodeListener` and the `instavm-emulator` bin.
// Web standards only, no Node module imported: the proxy must load in
// Workers and Deno too.

/** Methods `Request` refuses outright; no operation of the API takes them. */
export const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** Headers Node sets itself from the body it writes, and the connection's own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * A signal that aborts when the client goes away before its answer is
 * written, so the call it started (a wait, an upstream request) is dropped.
 */
export function abortedWhenGone(res) {
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) gone.abort(new Error('the client went away'));
  });
  return gone.signal;
}

/** The request's headers; a value `Headers` refuses is left out, and never echoed (it could be a key). */
export function headersOf(req) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    } catch {}
  }
  return headers;
}

/** The path and query of a request target: as sent, or those of the absolute form a proxy sends. Throws on a target no URL can read. */
export function targetOf(target) {
  if (target.startsWith('/')) return target;
  const url = new URL(target);
  return url.pathname + url.search;
}

/**
 * Writes `response` to `res` in one piece (Node then sends a Content-Length,
 * and none on a HEAD, 204 or 304). `Headers` joins repeated names with ", ",
 * which means the same, except for Set-Cookie: its values go out one each.
 */
export async function writeResponse(res, response) {
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (res.destroyed) return;
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && name !== 'set-cookie') res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie?.() ?? [];
  if (cookies.length) res.setHeader('set-cookie', cookies);
  res.end(bytes);
}
