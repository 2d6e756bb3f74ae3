#!/usr/bin/env node
// `npx instavm-emulator`: the emulator's one server, for users and for this
// repository's own tests and demo page. The API itself is the emulator's
// wasm core behind `createEmulator()`; this file is only its HTTP host:
// flags, node:http in front of `emu.fetch`, static folders beside the API
// (`--static`), the listening line and a clean exit. The build bundles it
// into pkg/ beside `testing-node.js`.
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { createEmulator } from './testing-node.js';
import { nearest } from '../nearest.js';
import { fileIn, sendFile } from './static-files.js';
import { decodedSegment } from '../path-segment.js';
import { FORBIDDEN_METHODS, abortedWhenGone, headersOf, targetOf, writeResponse } from '../node-http.js';

const USAGE = `usage: instavm-emulator [--host 127.0.0.1] [--port 8787] [--build-ms 3000] [--boot-ms 500]
                        [--faults 429:0.1,503:0.05,lost:0.05,...] [--seed 1] [--latency-ms MIN..MAX] [--slow-ms 5000]
                        [--idempotency] [--static [/PREFIX=]DIR]...

Serves the InstaVM API (snapshots, VMs, idempotency, injected faults) on a local
port, from the emulator's Rust core compiled to wasm, with only Node. Once it
accepts connections it prints one line: instavm-emulator listening on http://HOST:PORT

  --host HOST            address to listen on (default 127.0.0.1)
  --port N               port to listen on, 0 picks a free one (default 8787, or
                         the PORT environment variable when it is set)
  --build-ms MS          how long a snapshot build takes (default 3000)
  --boot-ms MS           how long a VM boots, suspends or resumes (default 500)
  --faults KIND:P,...    the probability of each fault per /v1 request; kinds:
                         429 503 500 reset lost gateway slow malformed
                         truncated html wrong-shape no-status huge redirect
                         (lost and gateway act, then lose the answer: the
                         connection drops, or a 502/504 comes back)
  --seed N               seed of the fault sequence (default 1): the same seed,
                         the same faults
  --latency-ms MIN..MAX  extra delay per /v1 request; one number for a fixed one
  --slow-ms MS           how long a \`slow\` fault stalls (default 5000)
  --idempotency          replay the first answer to a repeated Idempotency-Key
                         (off by default: InstaVM documents no such header)
  --static [/PREFIX=]DIR serve DIR's files under /PREFIX (default /) beside
                         the API, so a page and the API share one origin;
                         repeatable. GET and HEAD only; the API's paths win
  -h, --help             print this and exit

Each flag takes --flag value or --flag=value. A request header
X-Emulator-Fault: KIND forces one fault on that request (none forces none);
GET /_emulator/requests lists what the calling API key has sent.
Ctrl-C or SIGTERM stops the server.`;

// The core's own list (Fault::parse); checked here so that a typo is a usage
// error with a suggestion rather than a failure after start-up.
const FAULT_KINDS = ['429', '503', '500', 'reset', 'lost', 'gateway', 'slow', 'malformed', 'truncated', 'html', 'wrong-shape', 'no-status', 'huge', 'redirect'];

// The core refuses bodies above this by size alone (MAX_BODY_BYTES), so
// nothing past it is kept in memory.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

class UsageError extends Error {}

const didYouMean = (word, names, prefix = '') => {
  const near = nearest(word.replace(/^-+/, ''), names);
  return near ? ` (did you mean ${prefix}${near}?)` : '';
};

function wholeNumber(flag, text, what = 'a whole number of milliseconds') {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`${flag} takes ${what}, got ${JSON.stringify(text)}`);
  return Number(text);
}

function port(flag, text) {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new UsageError(`${flag} takes a number from 0 to 65535, got ${JSON.stringify(text)}`);
  return n;
}

/** `429:0.1,reset:0.05` as createEmulator's `{ 429: 0.1, reset: 0.05 }`. */
function faults(text) {
  const out = {};
  for (const part of text.split(',')) {
    if (!part.trim()) continue;
    const colon = part.indexOf(':');
    if (colon < 0) throw new UsageError(`--faults: ${JSON.stringify(part)} needs a probability, e.g. 503:0.05`);
    const kind = part.slice(0, colon).trim();
    const p = part.slice(colon + 1).trim();
    if (!FAULT_KINDS.includes(kind)) throw new UsageError(`--faults: unknown fault kind ${JSON.stringify(kind)}${didYouMean(kind, FAULT_KINDS)}; kinds: ${FAULT_KINDS.join(' ')}`);
    // An object holds one probability per kind (the server would sum
    // repeats), and lists 429, 503 and 500 before named kinds: a spec that
    // names them first, as the README's do, draws the server's sequence.
    if (kind in out) throw new UsageError(`--faults: ${kind} is given twice`);
    const n = p === '' ? NaN : Number(p);
    if (!(n >= 0 && n <= 1)) throw new UsageError(`--faults: the probability of ${kind} must be a number from 0 to 1, got ${JSON.stringify(p)}`);
    out[kind] = n;
  }
  return out;
}

function latency(text) {
  const [lo, hi = lo] = text.split('..').map((s) => s.trim());
  const what = `MIN..MAX milliseconds or one number, got ${JSON.stringify(text)}`;
  const range = [wholeNumber('--latency-ms', lo, what), wholeNumber('--latency-ms', hi, what)];
  if (text.split('..').length > 2 || range[0] > range[1]) throw new UsageError(`--latency-ms takes ${what}`);
  return range;
}

/** Flags to options; throws UsageError naming the flag at fault. */
function parseArgs(args, env = {}) {
  const options = { host: '127.0.0.1', port: 8787, help: false, emulator: {}, statics: [] };
  if (env.PORT !== undefined && env.PORT !== '') options.port = port('PORT (environment)', env.PORT);
  const flags = {
    host: (v) => {
      if (!v) throw new UsageError('--host takes an address, e.g. 127.0.0.1');
      options.host = v;
    },
    port: (v) => (options.port = port('--port', v)),
    'build-ms': (v) => (options.emulator.buildMs = wholeNumber('--build-ms', v)),
    'boot-ms': (v) => (options.emulator.bootMs = wholeNumber('--boot-ms', v)),
    faults: (v) => (options.emulator.faults = faults(v)),
    seed: (v) => (options.emulator.seed = wholeNumber('--seed', v, 'a whole number')),
    'latency-ms': (v) => (options.emulator.latencyMs = latency(v)),
    'slow-ms': (v) => (options.emulator.slowMs = wholeNumber('--slow-ms', v)),
    static: (v) => options.statics.push(staticFolder(v)),
  };
  const known = [...Object.keys(flags), 'help', 'idempotency'];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-h' || arg === '--help') {
      options.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      const hint = arg.startsWith('-') ? didYouMean(arg, known, '--') : '';
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}${hint}`);
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (name === 'help') throw new UsageError('--help takes no value');
    if (name === 'idempotency') {
      if (eq >= 0) throw new UsageError('--idempotency takes no value');
      options.emulator.idempotency = true;
      continue;
    }
    const set = Object.hasOwn(flags, name) ? flags[name] : undefined;
    if (!set) throw new UsageError(`unknown option --${name}${didYouMean(name, known, '--')}`);
    let value;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < args.length) value = args[++i];
    else throw new UsageError(`--${name} needs a value`);
    set(value);
  }
  return options;
}

/** `http://HOST:PORT` of a listening server, as the line it prints gives it. */
function origin(address) {
  const host = address.family === 'IPv6' || address.family === 6 ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** The request's body, or MAX_BODY_BYTES + 1 bytes once it is larger. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk) => {
      if (done) return; // past the limit: drained, not kept
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        resolve(new Uint8Array(MAX_BODY_BYTES + 1));
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
      done = true;
    });
    req.on('error', (e) => {
      if (!done) reject(e);
      done = true;
    });
    // A client gone before the body ended: its call is off.
    req.on('close', () => {
      if (!done) reject(new Error('the request ended early'));
      done = true;
    });
  });
}

/** `--static DIR` or `--static /prefix=DIR`: `[prefix, absolute folder]`, the folder existing. */
function staticFolder(spec) {
  const eq = spec.startsWith('/') ? spec.indexOf('=') : -1;
  const [prefix, dir] = eq < 0 ? ['/', spec] : [spec.slice(0, eq), spec.slice(eq + 1)];
  const folder = resolve(dir);
  if (!dir || !existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`--static takes DIR or /prefix=DIR with an existing folder, got ${JSON.stringify(spec)}`);
  return [prefix.endsWith('/') ? prefix : `${prefix}/`, folder];
}

/**
 * The file a GET or HEAD outside the API's paths names in a `--static`
 * folder, or undefined: the API then answers, as it answers any unknown
 * path. The folder is the one whose prefix matches the most leading
 * segments, each compared decoded (`--static "/my app=dist"` serves
 * `/my%20app/`), and only with something after it: `/lib` is looked for in
 * the `/` folder, `/lib/` is the `/lib` folder's index.html. A segment that
 * decodes to more than one (an encoded slash) matches no prefix, and
 * fileIn refuses it.
 */
function staticFile(statics, method, target) {
  if ((method !== 'GET' && method !== 'HEAD') || statics.length === 0) return undefined;
  const raw = targetOf(target).split('?')[0];
  let path;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (path === '/v1' || path.startsWith('/v1/') || path.startsWith('/_emulator/')) return undefined;
  const segments = raw.split('/').slice(1);
  const matching = statics
    .map(([prefix, folder]) => [prefix.split('/').filter(Boolean), folder])
    .filter(([names]) => segments.length > names.length && names.every((name, i) => decodedSegment(segments[i]) === name))
    .sort((a, b) => b[0].length - a[0].length);
  const [names, folder] = matching[0] ?? [];
  return (folder && fileIn(folder, `/${segments.slice(names.length).join('/')}`)) ?? undefined;
}

/** The core sees the path and query as sent; the URL only carries them. */
const requestUrl = (base, target) => new URL(base + targetOf(target));

function answerError(res, status, detail) {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ detail });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function handle(emu, base, statics, req, res) {
  const file = staticFile(statics, req.method, req.url);
  if (file) return sendFile(res, req.method, file);
  // A client that goes away before its answer aborts the call, so a wait it
  // started (?wait=true, latency, a slow fault) is forgotten, not served.
  const gone = abortedWhenGone(res);
  let request;
  try {
    // fetch refuses these methods outright; no route of the API takes them.
    if (FORBIDDEN_METHODS.has(req.method)) return answerError(res, 405, 'Method Not Allowed');
    const body = await readBody(req);
    // A header value Headers refuses is left out, as the server leaves out
    // one that is not text.
    const headers = headersOf(req);
    const bodyless = req.method === 'GET' || req.method === 'HEAD';
    request = new Request(requestUrl(base, req.url), { method: req.method, headers, body: bodyless ? undefined : body, signal: gone });
  } catch {
    if (gone.aborted) return;
    return answerError(res, 400, 'the emulator cannot take this request (its method, target or body)');
  }
  let response;
  try {
    response = await emu.fetch(request);
  } catch (e) {
    if (gone.aborted) return;
    // An injected reset: drop the connection without an answer (on a POST,
    // PATCH or DELETE, after the core acted).
    if (e?.cause?.code === 'ECONNRESET') return void req.socket.destroy();
    // Shutting down (close() ended the wait) or a bug: no answer either way.
    if (closing) return void req.socket.destroy();
    process.stderr.write(`instavm-emulator: ${req.method} ${request.url.split('?')[0]}: ${e?.name ?? 'error'} in the emulator\n`);
    return answerError(res, 500, 'the emulator failed on this request');
  }
  // The core's answers are whole in memory already: written in one piece,
  // with a Content-Length.
  if (gone.aborted) return;
  await writeResponse(res, response);
}

let closing = false;

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`instavm-emulator: ${e.message}\n${USAGE.split('\n\n')[0]}\nRun instavm-emulator --help for every option.\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  let emu;
  let base;
  let ready;
  const started = new Promise((resolve) => (ready = resolve));
  const server = createServer((req, res) => {
    // Requests that arrive between listen() and the core's start wait for it.
    started.then(() => handle(emu, base, options.statics, req, res)).catch(() => res.destroy());
  });
  // CONNECT is no API call: refuse it rather than leave the socket hanging.
  server.on('connect', (_req, socket) => socket.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));

  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    process.stderr.write(`instavm-emulator: cannot listen on ${options.host}:${options.port}: ${e.message}\n`);
    process.exit(1);
  }
  base = origin(server.address());
  try {
    emu = await createEmulator({ ...options.emulator, baseUrl: base });
  } catch (e) {
    process.stderr.write(`instavm-emulator: the emulator did not start: ${e.message}\n`);
    process.exit(1);
  }
  ready();

  const stop = () => {
    if (closing) process.exit(0); // a second signal: no more waiting
    closing = true;
    server.close();
    // Pending waits end now (their sockets are dropped), and so do idle
    // keep-alive connections, so nothing holds the process open.
    emu.close();
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A reader that goes away must not take the server down with EPIPE.
  process.stdout.on('error', () => {});

  // Test harnesses wait for this exact line and read the port from it.
  process.stdout.write(`instavm-emulator listening on ${base}\n`);
}

await main();
