// Serving files from a folder over node:http, for the three servers that do:
// `npx instavm-emulator --static`, the demo page's server (`npm start`) and
// the tests' page server. One place decides which file a path names (and
// that none leaves its folder) and what its content type is.
import { readFileSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import { decodedSegment } from '../path-segment.js';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  // Type declarations are read as text (the demo shows them), never run.
  '.ts': 'text/plain; charset=utf-8',
  '.cts': 'text/plain; charset=utf-8',
};

/** The content type a file is served with. */
export function contentType(file) {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file that `rest` (the part of a URL path below the folder's prefix,
 * still percent-encoded) names inside `dir`, or null. Every segment is
 * decoded and checked on its own: `..`, `.`, an encoded slash or backslash,
 * NUL and other control characters name no file, so no path leaves the
 * folder. A path ending in `/` (or empty) names the folder's index.html;
 * a file is never served under a path ending in `/`, nor a folder without
 * one (a page's relative links would resolve elsewhere). Only a file that
 * exists is returned.
 */
export function fileIn(dir, rest) {
  const segments = [];
  for (const raw of rest.split('/')) {
    if (raw === '') continue;
    const segment = decodedSegment(raw);
    if (segment === undefined) return null;
    segments.push(segment);
  }
  if (rest === '' || rest.endsWith('/')) segments.push('index.html');
  const base = resolve(dir);
  const file = resolve(base, ...segments);
  if (!file.startsWith(base + sep)) return null;
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

/**
 * Answers a GET or HEAD with `file`: its content type, its length, never
 * cached (the files are edited while they are served) and never sniffed.
 * `headers` adds to those.
 */
export function sendFile(res, method, file, headers = {}) {
  const body = readFileSync(file);
  res.writeHead(200, {
    ...headers,
    'content-type': contentType(file),
    'content-length': body.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(method === 'HEAD' ? undefined : body);
}
