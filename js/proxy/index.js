// `instavm-wasm/proxy`: a request handler that holds the InstaVM API key on
// the server and lets a web page use the client without one. Plain JS on the
// standard `Request`, `Response` and `fetch`, so the same handler serves a
// Cloudflare Worker, Deno.serve, Bun.serve and Node (through
// `toNodeListener`); no wasm, since all it does is route.
//
// What it refuses, it refuses before anything is sent upstream: a path that is
// no operation (404), a method the path lacks (405), a foreign origin or an
// operation the app did not allow or the app's `authorize` turned down (403),
// a body over the limit (413). What it forwards is rebuilt from the matched
// operation, never copied: the upstream path is the operation's pattern with
// each id decoded and encoded again, and only the API's own headers pass,
// both ways.
import { COMPOSITES, OPERATIONS, WAIT_POLLS } from '../operations.js';
import { nearest } from '../nearest.js';
import { decodedSegment } from '../path-segment.js';
import { FORBIDDEN_METHODS, abortedWhenGone, headersOf, targetOf, writeResponse } from '../node-http.js';
import { owners, ownerTag, sharedOf } from './owners.js';

const DEFAULT_BASE_URL = 'https://api.instavm.io';
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Long enough for `?wait=true` on a VM create or resume, which answers once the VM is live. */
const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
/** An answer larger than this is a 502 (a listing of 10 000 records is about 5 MB). */
const DEFAULT_MAX_ANSWER_BYTES = 32 * 1024 * 1024;
const OPTION_KEYS = ['apiKey', 'baseUrl', 'prefix', 'allow', 'authorize', 'owner', 'sharedSnapshots', 'origin', 'allowedOrigins', 'allowCredentials', 'maxBodyBytes', 'maxAnswerBytes', 'timeoutMs', 'maxInFlight', 'onError', 'fetch'];
/** On every answer: the browser never sniffs another type, and no cache keeps a user's records. */
const SAFE_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
const WILDCARDS = ['snapshots.*', 'vms.*'];

/** The request headers of the API a caller may send; the key is the proxy's own. */
const REQUEST_HEADERS = ['content-type', 'accept', 'idempotency-key'];
/** The answer headers of the API; everything else upstream sends stays there. */
// `date`: the API's clock, by which a client looking for what a lost answer
// made tells new records from old (not the proxy host's, which may differ).
const ANSWER_HEADERS = ['content-type', 'x-request-id', 'retry-after', 'retry-after-ms', 'idempotent-replayed', 'date'];
/**
 * What a cross-origin page may send: the API's headers, and `Authorization`
 * for the app's own session check (read by `authorize`, never forwarded).
 */
const PREFLIGHT_HEADERS = [...REQUEST_HEADERS, 'authorization'].join(', ');
const EXPOSED_HEADERS = ANSWER_HEADERS.slice(1).join(', ');
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** The operations table split into segments once: [name, method, segments]. */
const ROUTES = Object.entries(OPERATIONS).map(([name, [method, pattern]]) => [name, method, pattern.split('/')]);

// ---------------------------------------------------------------- configuration

function fail(option, message) {
  return new TypeError(`createProxy: ${option} ${message}`);
}

/** `; did you mean X?` for the nearest of `names`, when one is near enough to be a typo. */
function suggestion(word, names) {
  const best = nearest(word, names);
  return best ? `; did you mean ${best}?` : '';
}

/** The same rules as the client's `baseUrl`: absolute http(s), no query, no `/v1` at the end. */
function baseUrlOf(value) {
  if (value === undefined) return DEFAULT_BASE_URL;
  const example = ', e.g. https://api.instavm.io or http://127.0.0.1:8787';
  if (typeof value !== 'string') throw fail('baseUrl', `must be a string${example}`);
  if (!/^https?:\/\/[^/]/i.test(value)) throw fail('baseUrl', `must be an absolute http:// or https:// URL naming a host${example}`);
  if (/[\s\u0000-\u001f\u007f?#]/.test(value)) throw fail('baseUrl', `must have no whitespace, control characters, query or fragment${example}`);
  let url;
  try {
    url = new URL(value);
  } catch {
    throw fail('baseUrl', `is not a valid URL${example}`);
  }
  if (url.username || url.password || value.includes('@')) throw fail('baseUrl', 'must not hold credentials or an @: the proxy sends the key as X-API-Key');
  if (value.includes('\\')) throw fail('baseUrl', 'must not hold a backslash: URL parsers disagree on where its host ends');
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) throw fail('baseUrl', `must be https:// unless it is on this machine (localhost, 127.x, [::1]): http:// would send the key in clear to ${url.host}`);
  const trimmed = value.replace(/\/+$/, '');
  if (/\/v1$/i.test(trimmed)) throw fail('baseUrl', `must not end in /v1: the proxy adds /v1 itself; use ${trimmed.slice(0, -3)}`);
  return trimmed;
}

/** A host on this machine: localhost, 127.0.0.0/8 or [::1]. */
function isLoopback(hostname) {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]';
}

/** A whole number from `min` up, or the default when absent. */
function wholeOf(option, value, fallback, min = 0, what = 'a whole number') {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw fail(option, `must be ${what}, got ${describe(value)}`);
  return value;
}

function prefixOf(value) {
  if (value === undefined || value === '' || value === '/') return '';
  if (typeof value !== 'string' || !value.startsWith('/')) throw fail('prefix', `must be a path starting with /, such as '/instavm', got ${describe(value)}`);
  const trimmed = value.replace(/\/+$/, '');
  const segments = trimmed.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || !/^[A-Za-z0-9\-._~!$&'()*+,;=:@]+$/.test(s))) {
    throw fail('prefix', `must be plain path segments (no //, . or .., %, ? or #), such as '/instavm', got ${describe(value)}`);
  }
  return trimmed;
}

/** The allowed operation names, each wildcard and composite name expanded. */
function allowOf(value) {
  const allowed = new Set();
  if (value === undefined) return allowed;
  if (!Array.isArray(value)) throw fail('allow', `must be an array of operation names, such as ['snapshots.list', 'vms.*'], got ${describe(value)}`);
  const names = [...Object.keys(OPERATIONS), ...Object.keys(COMPOSITES), ...WILDCARDS];
  value.forEach((name, i) => {
    if (typeof name !== 'string') throw fail(`allow[${i}]`, `must be an operation name, got ${describe(name)}`);
    if (WILDCARDS.includes(name)) {
      const resource = name.slice(0, -1);
      for (const op of Object.keys(OPERATIONS)) if (op.startsWith(resource)) allowed.add(op);
    } else if (Object.hasOwn(OPERATIONS, name)) allowed.add(name);
    else if (Object.hasOwn(COMPOSITES, name)) for (const op of COMPOSITES[name]) allowed.add(op);
    else if (name === '*') throw fail(`allow[${i}]`, "'*' is not an operation: list what the page needs, or 'snapshots.*' and 'vms.*'");
    else throw fail(`allow[${i}]`, `is no operation: ${JSON.stringify(name)}${suggestion(name, names)} (operations: ${names.join(', ')})`);
  });
  return allowed;
}

/** A warning for each allowed operation whose wait polls one that is not allowed (it would get a 403 mid-wait). */
function waitsUnallowed(allowed) {
  return Object.entries(WAIT_POLLS)
    .filter(([op, [poll]]) => allowed.has(op) && !allowed.has(poll))
    .map(([op, [poll, when]]) => `allow has ${op} but not ${poll}, which the client polls to wait on ${op} (${when}): that wait would get a 403. Allow '${poll}' too, or do not wait.`);
}

/**
 * A list of origins (`allowedOrigins`, or `origin`, which also takes one
 * string): each exactly an origin, no wildcard, https unless on this machine.
 */
function originsOf(option, value) {
  if (value === undefined) return new Set();
  const one = option === 'origin' && typeof value === 'string';
  if (!one && !Array.isArray(value)) throw fail(option, `must be ${option === 'origin' ? 'an origin or ' : ''}an array of origins, such as ['https://app.example'], got ${describe(value)}`);
  return new Set(
    (one ? [value] : value).map((origin, i) => {
      const at = one ? option : `${option}[${i}]`;
      if (typeof origin === 'string' && origin.includes('*')) throw fail(at, `${JSON.stringify(origin)}: wildcards would let other sites use the key through its visitors: list the origins of your app`);
      let parsed;
      try {
        parsed = new URL(origin);
      } catch {}
      if (typeof origin !== 'string' || !parsed || parsed.origin !== origin || parsed.origin === 'null') {
        throw fail(at, `must be an origin: scheme, host and port only, no path or trailing slash, such as 'https://app.example', got ${describe(origin)}`);
      }
      if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) throw fail(at, `must be https:// unless it is on this machine: a page served over http:// can be altered on the way, got ${describe(origin)}`);
      return origin;
    }),
  );
}

function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

// ---------------------------------------------------------------- answers

/** `response` with `headers` set on it (a copy, since a Response's own headers may be immutable). */
function withHeaders(response, headers) {
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(headers)) out.headers.set(name, value);
  return out;
}

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...SAFE_HEADERS, ...headers } });
}

/**
 * An answer of the proxy's own, in the API's error shape (`detail`), with a
 * stable `code` a page can branch on (the list is in index.d.ts, `ProxyErrorCode`).
 */
function refuse(status, code, detail, extra) {
  return json(status, { detail: `instavm proxy: ${detail}`, code, ...extra?.body }, extra?.headers);
}

/** The operation a path and method name, or why there is none: `{ name, ids }` | `{ status, ... }`. */
function match(path, method) {
  const have = path.split('/');
  const methods = [];
  for (const [name, m, want] of ROUTES) {
    if (want.length !== have.length) continue;
    const ids = [];
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      if (want[i] === '{}') {
        ok = have[i] !== '';
        ids.push(have[i]);
      } else ok = want[i] === have[i];
    }
    if (!ok) continue;
    if (m === method) return { name, ids };
    methods.push(m);
  }
  return methods.length ? { status: 405, allow: methods.join(', ') } : { status: 404 };
}

/**
 * An id segment as the API will see it: decoded, then encoded again as one
 * segment, so that whatever the caller wrote reaches the matched operation
 * and no other. An id that decodes to a path (`/`, `\`, `.`, `..`), a
 * control character or malformed escapes is refused.
 */
function reencode(segment) {
  const id = decodedSegment(segment);
  return id === undefined ? undefined : encodeURIComponent(id);
}

/**
 * The forms of the key that an answer might carry, as byte strings, each
 * matched ignoring ASCII case or exactly: the key itself, its hex, its
 * percent-encoding, its JSON `\\u` escapes (which any case spells) and its
 * `/` written `\\/` as some JSON encoders do, and
 * its base64 and base64url at each of the three alignments it can have
 * inside a longer encoding (the characters that depend on nothing but the
 * key), matched exactly.
 */
function keyForms(apiKey) {
  const encode = (text) => new TextEncoder().encode(text);
  // A key this short (a test's) is scrubbed as it is: its other forms would match ordinary text.
  if (apiKey.length < 8) return [{ bytes: encode(apiKey), fold: false }];
  const bytes = [...encode(apiKey)];
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  const uEscape = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  // Inside a JSON string, some encoders write `/` as `\\/` (the key holds no `"`, `\\` or `<>&'`, which have more spellings).
  const folded = [apiKey, apiKey.replace(/\//g, '\\/'), hex, bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''), [...apiKey].map(uEscape).join('')];
  const exact = [];
  for (let pad = 0; pad < 3; pad++) {
    const b64 = btoa(String.fromCharCode(...new Array(pad).fill(0), ...bytes));
    // Skip the characters the padding shares; keep those the key's bytes alone decide.
    const core = b64.slice(Math.ceil((pad * 4) / 3), Math.floor(((pad + bytes.length) * 4) / 3));
    if (core.length >= 8) exact.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...new Set(folded)].map((f) => ({ bytes: encode(f.toLowerCase()), fold: true })).concat([...new Set(exact)].map((e) => ({ bytes: encode(e), fold: false })));
}

/** `bytes` with ASCII letters in lower case. */
function lower(bytes) {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < out.length; i++) if (out[i] >= 65 && out[i] <= 90) out[i] += 32;
  return out;
}

/** Where `needle` occurs in `bytes`: [start, end) ranges. */
function occurrences(bytes, needle, ranges) {
  for (let i = bytes.indexOf(needle[0]); i >= 0 && i <= bytes.length - needle.length; i = bytes.indexOf(needle[0], i + 1)) {
    let j = 1;
    while (j < needle.length && bytes[i + j] === needle[j]) j++;
    if (j === needle.length) ranges.push([i, i + needle.length]);
  }
}

/** Replaces every form of the key in `bytes`; the same array when there is none. */
function scrub(bytes, forms) {
  const ranges = [];
  const folded = lower(bytes);
  for (const form of forms) occurrences(form.fold ? folded : bytes, form.bytes, ranges);
  if (!ranges.length) return bytes;
  ranges.sort((a, b) => a[0] - b[0]);
  const out = [];
  let from = 0;
  for (const [start, end] of ranges) {
    if (end <= from) continue;
    if (start >= from) out.push(bytes.subarray(from, start), REDACTED);
    from = Math.max(from, end);
  }
  out.push(bytes.subarray(from));
  return concat(out);
}

/** Whether a header value holds any form of the key. */
function holdsKey(value, forms) {
  const bytes = new TextEncoder().encode(value);
  return scrub(bytes, forms) !== bytes;
}
const REDACTED = new TextEncoder().encode('[redacted]');

/** The byte arrays `parts`, one after the other, in one array. */
function concat(parts) {
  const joined = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** The body of a request or response, or `null` when it is larger than `max` bytes (then left unread). */
async function readBody(request, max) {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return concat(chunks);
}

// ---------------------------------------------------------------- the handler

/**
 * A handler `(request) => Promise<Response>` in front of the InstaVM API; see
 * index.d.ts for every option. Throws a TypeError naming the option at fault.
 */
export function createProxy(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError("createProxy: takes an options object, such as { apiKey: env.INSTAVM_API_KEY, allow: ['snapshots.list'], authorize }");
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) throw fail(key, `is not an option${suggestion(key, OPTION_KEYS)} (options: ${OPTION_KEYS.join(', ')})`);
  }
  const { apiKey, authorize, owner, onError, fetch: fetchOption } = options;
  // The key's text never goes into a message: only what is wrong with it.
  // Unset (undefined or ''), as in a build with no environment (`next build`
  // evaluates a Route Handler's module), is no reason to fail the build: the
  // proxy is made, and answers every request with a 500 until it has a key.
  const keyless = apiKey === undefined || apiKey === '';
  if (!keyless && typeof apiKey !== 'string') throw fail('apiKey', `must be the InstaVM API key as a string, such as env.INSTAVM_API_KEY (got ${describe(apiKey)})`);
  if (!keyless && !/^[\x21-\x7e]+$/.test(apiKey)) throw fail('apiKey', 'must be printable ASCII with no spaces or line breaks (is it the key, trimmed?)');
  // JSON encoders spell these in many ways, too many to scrub from answers with certainty; no InstaVM key holds them.
  if (!keyless && /["\\<>&']/.test(apiKey)) throw fail('apiKey', `must not hold " \\ < > & or ' (is it the key?)`);
  const baseUrl = baseUrlOf(options.baseUrl);
  const prefix = prefixOf(options.prefix);
  const allowed = allowOf(options.allow);
  const origins = originsOf('allowedOrigins', options.allowedOrigins);
  const own = originsOf('origin', options.origin);
  if (authorize !== 'public' && typeof authorize !== 'function') {
    throw fail('authorize', `is required: a function (request, { operation, ids, query }) => boolean that checks the caller's session, or 'public' for a proxy anyone may use with your key (got ${describe(authorize)})`);
  }
  if (owner !== undefined && typeof owner !== 'function') throw fail('owner', `must be a function (request) => string naming the caller's user, got ${describe(owner)}`);
  if (owner && !globalThis.crypto?.subtle) throw fail('owner', 'needs Web Crypto (globalThis.crypto.subtle), which Node has from 19 (18 with --experimental-global-webcrypto), Deno, Bun and Workers have');
  const shared = sharedOf(options.sharedSnapshots);
  if (shared === null) throw fail('sharedSnapshots', `must be 'system' or a function (snapshot) => boolean, got ${describe(options.sharedSnapshots)}`);
  if (options.sharedSnapshots !== undefined && owner === undefined) throw fail('sharedSnapshots', 'shares snapshots between owners: it needs the owner option');
  const scoping = owner ? owners(shared) : null;
  const maxBodyBytes = wholeOf('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 0, 'a whole number of bytes');
  const maxAnswerBytes = wholeOf('maxAnswerBytes', options.maxAnswerBytes, DEFAULT_MAX_ANSWER_BYTES, 1, 'a whole number of bytes from 1');
  const timeoutMs = wholeOf('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS, 1, 'a whole number of milliseconds from 1');
  const maxInFlight = wholeOf('maxInFlight', options.maxInFlight, undefined, 1, 'a whole number from 1');
  if (options.allowCredentials !== undefined && typeof options.allowCredentials !== 'boolean') throw fail('allowCredentials', `must be true or false, got ${describe(options.allowCredentials)}`);
  if (fetchOption !== undefined && typeof fetchOption !== 'function') throw fail('fetch', `must be a function like the global fetch, got ${describe(fetchOption)}`);
  if (onError !== undefined && typeof onError !== 'function') throw fail('onError', `must be a function (error, { operation, request }) => void, got ${describe(onError)}`);
  const forms = keyless ? [] : keyForms(apiKey);
  for (const warning of waitsUnallowed(allowed)) console.warn(`instavm proxy: ${warning}`);
  let inFlight = 0;

  /**
   * CORS headers for an allowed cross-origin caller; `null` for a refused
   * one; `{}` for none needed. Same-origin is what `origin` says, never what
   * the request's `Host` or `Sec-Fetch-Site` claims: both are the caller's to
   * write (a rebound DNS name brings its own Host).
   */
  function cors(request) {
    const origin = request.headers.get('origin');
    const vary = origins.size ? { vary: 'Origin' } : {};
    if (origin === null || own.has(origin)) return vary;
    if (origins.has(origin)) {
      const credentials = options.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {};
      return { 'access-control-allow-origin': origin, ...credentials, 'access-control-expose-headers': EXPOSED_HEADERS, vary: 'Origin' };
    }
    return null;
  }

  /**
   * The refusal of a foreign origin, readable by the page that sent it (an
   * `Access-Control-Allow-Origin` for this answer alone: it holds nothing but
   * the refusal), so that its client sees a 403 `origin_not_allowed` rather
   * than a network error.
   */
  function foreign(request) {
    const origin = request.headers.get('origin') ?? '';
    return refuse(403, 'origin_not_allowed', `the origin ${JSON.stringify(origin.slice(0, 80))} may not call the API through this proxy (list a page on another origin in allowedOrigins, and the proxy's own in origin)`, { headers: readableBy(origin) });
  }

  /** CORS headers that let `origin` read one answer, when it is a well-formed origin. */
  function readableBy(origin) {
    return /^https?:\/\/[^\s/?#]+$/.test(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
  }

  async function handle(request) {
    // Read now: Deno makes a request's signal when it is first read, and a
    // signal made after the caller left is never aborted.
    void request.signal;
    const url = new URL(request.url);
    // A request URL has no fragment: one here came from a Host header that
    // carried `#` (Deno builds the URL from it), and the path is not the target's.
    if (url.hash || request.url.includes('#')) return refuse(400, 'bad_request_url', 'the request URL has a fragment: is the Host header well formed?');
    const path = url.pathname;
    if (prefix && !(path.startsWith(prefix) && path[prefix.length] === '/')) return refuse(404, 'outside_prefix', `not found: ${prefix} serves the InstaVM API`);
    const rest = path.slice(prefix.length);
    // As the runtime gives it: fetch upper-cases the standard methods but not
    // `patch` or unknown ones, which then match no operation (405) rather
    // than being sent upstream in another spelling.
    const method = request.method;
    const corsHeaders = cors(request);

    // A CORS preflight, answered here. A foreign origin's passes too, but
    // without credentials and only so that its request can come and get its
    // 403 (`origin_not_allowed`) as an answer the page can read; nothing of
    // that request is sent upstream.
    if (method === 'OPTIONS' && request.headers.has('access-control-request-method')) {
      const allows = corsHeaders?.['access-control-allow-origin'] ? corsHeaders : corsHeaders === null ? readableBy(request.headers.get('origin') ?? '') : null;
      if (!allows?.['access-control-allow-origin']) return foreign(request);
      const asked = request.headers.get('access-control-request-method').toUpperCase();
      const found = match(rest, asked);
      if (found.status === 404) return refuse(404, 'unknown_operation', 'no operation of the InstaVM API has this path', { headers: allows });
      const methods = found.status === 405 ? found.allow : asked;
      return new Response(null, {
        status: 204,
        headers: { ...SAFE_HEADERS, ...allows, 'access-control-allow-methods': methods, 'access-control-allow-headers': PREFLIGHT_HEADERS, 'access-control-max-age': corsHeaders ? '600' : '60' },
      });
    }
    if (corsHeaders === null) return foreign(request);
    // No key: every request the proxy would serve is a 500, readable by the pages it serves.
    if (keyless) return misconfigured(request, corsHeaders);

    const found = match(rest, method);
    if (found.status === 404) return refuse(404, 'unknown_operation', 'no operation of the InstaVM API has this path', { headers: corsHeaders });
    if (found.status === 405) return refuse(405, 'method_not_allowed', `method ${JSON.stringify(method)} is not allowed here (allowed: ${found.allow})`, { headers: { ...corsHeaders, allow: found.allow } });
    const operation = found.name;
    const no = (status, code, detail, headers) => refuse(status, code, detail, { body: { operation }, headers: { ...corsHeaders, ...headers } });
    if (!allowed.has(operation)) return no(403, 'not_allowed', `${operation} is not allowed by this proxy`);
    const ids = found.ids.map(reencode);
    if (ids.includes(undefined)) return no(400, 'bad_id', `${operation}: an id must be one path segment (no /, \\, . or .., control characters or malformed %-escapes)`);
    // Only the contract's query parameters, each under its own name: `extraQuery` and the like stop here.
    const takes = OPERATIONS[operation][2] ?? [];
    const stray = [...url.searchParams.keys()].find((name) => !takes.includes(name));
    if (stray !== undefined) {
      const known = takes.length ? `it takes ${takes.join(', ')}` : 'it takes none';
      return refuse(400, 'bad_query', `${operation}: the query parameter ${JSON.stringify(stray.slice(0, 60))} is not passed on (${known})`, { body: { operation, parameter: stray.slice(0, 60) }, headers: corsHeaders });
    }
    const declared = request.headers.get('content-length');
    if (declared !== null && Number(declared) > maxBodyBytes) return no(413, 'body_too_large', `the body is over ${maxBodyBytes} bytes`);

    // The ids as the API will read them: what the app's checks must see, not the raw path.
    const decoded = ids.map(decodeURIComponent);
    if (authorize !== 'public') {
      let verdict;
      try {
        verdict = await authorize(request, { operation, ids: decoded, query: Object.fromEntries(url.searchParams) });
      } catch (e) {
        // The app's error is its own: neither its text nor its stack leaves, but onError sees it.
        report(e, operation, request);
        return no(500, 'authorize_failed', `${operation}: the authorization check failed`);
      }
      // The app's own answer, as it wrote it, with the headers every answer carries.
      if (verdict instanceof Response) return withHeaders(verdict, { ...SAFE_HEADERS, ...corsHeaders });
      if (verdict === 401) return no(401, 'unauthenticated', `${operation}: sign in first`);
      if (verdict !== true) return no(403, 'forbidden', `${operation} is not authorized for this caller`);
    }
    let tag;
    if (owner) {
      let who;
      try {
        who = await owner(request);
      } catch (e) {
        report(e, operation, request);
        return no(500, 'owner_failed', `${operation}: the owner check failed`);
      }
      if (typeof who !== 'string' || who === '') return no(401, 'unauthenticated', `${operation}: this caller has no owner (a user the proxy scopes records to): is it signed in?`);
      // A lone surrogate is hashed as U+FFFD: two such ids would share one tag.
      if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(who)) return no(500, 'owner_failed', `${operation}: owner returned an id that is not well-formed text (a lone surrogate)`);
      tag = await ownerTag(who);
    }
    if (request.bodyUsed) return no(500, 'authorize_failed', `${operation}: authorize or owner read the request's body, which the proxy forwards`);
    let body = method === 'GET' ? undefined : await readBody(request, maxBodyBytes);
    if (body === null) return no(413, 'body_too_large', `the body is over ${maxBodyBytes} bytes`);

    if (maxInFlight !== undefined && inFlight >= maxInFlight) return no(503, 'proxy_busy', `${operation}: ${maxInFlight} requests are under way; try again shortly`, { 'retry-after': '1' });
    inFlight += 1;
    try {
      const call = { request, operation, corsHeaders, no };
      const scope = tag && scoping(tag);
      if (scope) {
        const read = (kind, id) => readRecord(call, kind, id);
        const ready = await scope.before(operation, decoded, body, read);
        if (ready.refuse) return no(...ready.refuse);
        if (ready.failed) return ready.failed;
        if (ready.read) return shaped(ready.read.head, scope.after(operation, ready.read.record), corsHeaders);
        if (ready.body) body = new TextEncoder().encode(JSON.stringify(ready.body));
      }
      // The operation's pattern with the ids encoded again, and the query rebuilt from the checked parameters.
      let i = 0;
      const pairs = [...url.searchParams];
      const target = OPERATIONS[operation][1].replace(/\{\}/g, () => ids[i++]) + (pairs.length ? `?${new URLSearchParams(pairs)}` : '');
      const headers = new Headers();
      for (const name of REQUEST_HEADERS) {
        const value = request.headers.get(name);
        if (value !== null) headers.set(name, value);
      }
      // A body the proxy wrote is JSON, whatever the caller said it sent.
      if (scope && body && body.length) headers.set('content-type', 'application/json');
      // Each owner's keys are their own: one user's key never replays another's answer.
      if (tag && headers.has('idempotency-key')) headers.set('idempotency-key', `${tag}.${headers.get('idempotency-key')}`);
      return await send(call, method, target, headers, body, (response) => answer(call, response, method, scope));
    } finally {
      inFlight -= 1;
    }
  }

  /**
   * Sends one request upstream with the key, bounded by `timeoutMs` and the
   * caller's signal, and hands the answer to `take` while both still hold
   * (so reading its body is bounded too). A caller gone before anything was
   * sent: nothing is.
   */
  async function send({ request, operation, no }, method, target, headers, body, take) {
    headers.set('x-api-key', apiKey);
    const upstream = new AbortController();
    const timer = setTimeout(() => upstream.abort(new Error('the InstaVM API did not answer in time')), timeoutMs);
    const onGone = () => upstream.abort(request.signal.reason);
    request.signal.addEventListener('abort', onGone, { once: true });
    try {
      if (request.signal.aborted) return no(499, 'caller_gone', `${operation}: the caller went away`);
      let response;
      try {
        response = await (fetchOption ?? globalThis.fetch)(baseUrl + target, {
          method,
          headers,
          body: body && body.length ? body : undefined,
          redirect: 'manual',
          signal: upstream.signal,
        });
      } catch (e) {
        // A network error's text can name the upstream: it is not passed on, but onError (when given) sees it.
        const timedOut = upstream.signal.aborted && !request.signal.aborted;
        if (onError && !request.signal.aborted) report(e, operation, request);
        return no(timedOut ? 504 : 502, timedOut ? 'upstream_timeout' : 'upstream_unreachable', `${operation}: the InstaVM API ${timedOut ? `did not answer within ${timeoutMs} ms` : 'could not be reached'}`);
      }
      return await take(response);
    } finally {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onGone);
    }
  }

  /**
   * Reads a VM or snapshot upstream to learn whose it is: `{ record, head }`
   * on a 200 alone; `{ missing: true }` on any 4xx but a 429 (as if the id
   * did not exist, so that no other answer tells a caller that someone
   * else's record is there); otherwise `{ failed }`, an answer of the proxy's
   * own: the status of a 429 or 5xx (with its Retry-After, so that clients
   * retry), a 502 for anything else, or the proxy's refusal (unreachable,
   * timed out, the caller gone). No upstream body is passed on.
   */
  async function readRecord(call, kind, id) {
    const headers = new Headers({ accept: 'application/json' });
    const read = await send(call, 'GET', `/v1/${kind}/${encodeURIComponent(id)}`, headers, undefined, async (response) => {
      const { status } = response;
      if (status >= 400 && status < 500 && status !== 429) {
        response.body?.cancel().catch(() => {});
        return { missing: true };
      }
      const got = await answerBody(call, response, 'GET');
      if (got instanceof Response) return { failed: got };
      if (status === 200 && got.value !== undefined) return { record: got.value, head: got.head };
      const passed = status === 429 || status >= 500;
      const retry = Object.fromEntries(['retry-after', 'retry-after-ms'].flatMap((name) => (got.head.headers.has(name) ? [[name, got.head.headers.get(name)]] : [])));
      return { failed: call.no(passed ? status : 502, passed ? 'upstream_error' : 'upstream_unexpected', `${call.operation}: the InstaVM API answered ${status} when the proxy read whose record this is`, passed ? retry : {}) };
    });
    return read instanceof Response ? { failed: read } : read;
  }

  /**
   * The status, the contract's headers and the body of an upstream answer,
   * checked: `{ head, bytes, value }` (value: the parsed JSON, if any), or a
   * refusal Response (a redirect, no JSON, too large, cut short).
   */
  async function answerBody({ operation, corsHeaders, no }, response, method) {
    if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
      response.body?.cancel().catch(() => {});
      return no(502, 'upstream_redirect', `${operation}: the InstaVM API answered with a redirect, which the proxy does not follow`);
    }
    const headers = new Headers({ ...corsHeaders, ...SAFE_HEADERS });
    for (const name of ANSWER_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null && !holdsKey(value, forms)) headers.set(name, value);
    }
    const head = { status: response.status, headers };
    let bytes;
    try {
      bytes = await readBody(response, maxAnswerBytes);
    } catch {
      return no(502, 'upstream_cut_short', `${operation}: the InstaVM API's answer ended early`);
    }
    if (bytes === null) return no(502, 'upstream_too_large', `${operation}: the InstaVM API's answer is over ${maxAnswerBytes} bytes`);
    if (NULL_BODY.has(response.status) || method === 'HEAD') return { head, bytes: null };
    // Only JSON is the API's: an HTML error page of a gateway is not served from the app's origin.
    const type = response.headers.get('content-type') ?? '';
    if (bytes.length > 0 && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
      const what = type ? `content of type ${JSON.stringify(type.split(';')[0].trim().slice(0, 60))}` : 'no content type';
      return refuse(502, 'upstream_not_json', `${operation}: the InstaVM API answered ${response.status} with ${what}, not JSON`, { body: { operation, status: response.status }, headers: corsHeaders });
    }
    let value;
    try {
      value = bytes.length ? JSON.parse(new TextDecoder().decode(bytes)) : undefined;
    } catch {}
    return { head, bytes, value };
  }

  /** The API's answer as the caller gets it: its status, the contract's headers, JSON only, scoped to the owner, the key scrubbed. */
  async function answer(call, response, method, scope) {
    const got = await answerBody(call, response, method);
    if (got instanceof Response) return got;
    if (!scope || got.head.status < 200 || got.head.status >= 300 || got.bytes === null || got.bytes.length === 0) return shaped(got.head, got.bytes, call.corsHeaders);
    // What is filtered must be read: an owner's answer that is not JSON is not passed on.
    if (got.value === undefined) return call.no(502, 'upstream_unreadable', `${call.operation}: the InstaVM API's answer could not be read`);
    return shaped(got.head, scope.after(call.operation, got.value), call.corsHeaders);
  }

  /** An answer of `head`'s status and headers: `body` as bytes, or a value written as JSON; the key scrubbed. */
  function shaped(head, body, corsHeaders) {
    let bytes = body;
    if (body !== null && !(body instanceof Uint8Array)) {
      bytes = new TextEncoder().encode(JSON.stringify(body));
      head.headers.set('content-type', 'application/json');
    }
    const headers = new Headers(head.headers);
    for (const [name, value] of Object.entries(corsHeaders)) headers.set(name, value);
    return new Response(bytes === null ? null : scrub(bytes, forms), { status: head.status, headers });
  }

  let toldKeyless = false;
  /** The answer of a proxy made with no key, telling `onError` once. */
  function misconfigured(request, corsHeaders) {
    if (!toldKeyless) report(new Error(`apiKey is ${apiKey === '' ? 'an empty string' : 'undefined'}: set the InstaVM API key (INSTAVM_API_KEY) where the proxy runs`), undefined, request);
    toldKeyless = true;
    return refuse(500, 'misconfigured', 'this proxy has no InstaVM API key: its server must set one (apiKey)', { headers: corsHeaders });
  }

  /** Hands an error of the app's own code, or of the proxy's, to `onError` (default: one console.error line, the key never in it). */
  function report(error, operation, request) {
    try {
      if (onError) onError(error, { operation, request });
      else {
        // Scrubbed as answers are: the key in every form it could take there.
        const text = new TextDecoder().decode(scrub(new TextEncoder().encode(String(error?.message ?? error)), forms));
        console.error(`instavm proxy: ${operation ?? 'a request'}: ${text}`);
      }
    } catch {}
  }

  return async function proxy(request) {
    try {
      return await handle(request);
    } catch (e) {
      // A bug or an aborted caller: a plain 500, with nothing of the cause.
      report(e, undefined, request);
      return refuse(500, 'proxy_error', 'the proxy failed on this request');
    }
  };
}

// ---------------------------------------------------------------- Node

/**
 * A `node:http` request listener serving `handler` (any `(Request) =>
 * Promise<Response>`): `createServer(toNodeListener(createProxy({...})))`.
 * No Node module is imported: the conversion uses only web standards.
 */
export function toNodeListener(handler) {
  if (typeof handler !== 'function') throw new TypeError('toNodeListener: takes a handler (request) => Promise<Response>, such as createProxy({ ... })');
  return function listener(req, res) {
    serveNode(handler, req, res).catch(() => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json');
        res.end('{"detail":"instavm proxy: the request could not be served"}');
      } else res.destroy();
    });
  };
}

async function serveNode(handler, req, res) {
  const gone = abortedWhenGone(res);
  const method = req.method ?? 'GET';
  if (FORBIDDEN_METHODS.has(method)) return writeResponse(res, await refuse(405, 'method_not_allowed', `method ${JSON.stringify(method)} is not allowed`));
  const headers = headersOf(req);
  // The URL is the request target on a fixed origin: the `Host` header is
  // the caller's to write, so it decides nothing (not the path, which a Host
  // holding `/`, `?` or `#` could move, nor the origin, which the proxy's
  // `origin` option names).
  let url;
  try {
    url = new URL(`http://localhost${targetOf(req.url ?? '/')}`);
  } catch {
    return writeResponse(res, await refuse(400, 'bad_request_url', 'the request target cannot be read'));
  }
  const hasBody = method !== 'GET' && method !== 'HEAD';
  let done = false;
  const body = hasBody
    ? new ReadableStream({
        start(controller) {
          req.on('data', (chunk) => {
            if (done) return; // past the limit: drained and dropped, so the answer can still be written
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
            if (controller.desiredSize <= 0) req.pause();
          });
          req.on('end', () => {
            if (!done) controller.close();
            done = true;
          });
          req.on('error', (e) => {
            if (!done) controller.error(e);
            done = true;
          });
        },
        pull() {
          req.resume();
        },
        cancel() {
          done = true;
          req.resume();
        },
      })
    : undefined;
  let request;
  try {
    request = new Request(url, { method, headers, body, duplex: 'half', signal: gone });
  } catch {
    return writeResponse(res, await refuse(405, 'method_not_allowed', `method ${JSON.stringify(method)} is not allowed`));
  }
  const response = await handler(request);
  if (gone.aborted) return;
  await writeResponse(res, response);
}
