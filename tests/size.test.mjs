// The size budget of what a browser downloads: the wasm plus its JS. Sizes are
// deterministic, so this is asserted; growth past the budget is a decision
// to make here, consciously.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pkgDir, sizes } from '../scripts/lib/build.mjs';

// Everything a browser downloads: the wasm and the browser entry (one
// module: the glue and the JS layer, bundled and minified). Sizes are
// deterministic, so growth past this ceiling is a decision made here. It is
// the measured figure plus 5%. History: 60 KB for the snapshots client;
// 72 KB once the VM API came in; 56 KB after the performance work (no std,
// hand-written stand-ins for the crates; 53.6 KB); 91 KB on the specified
// crates (gloo-net, gloo-timers, web-sys, serde-wasm-bindgen, serde_json,
// the default allocator; measured 88.7 KB, over the 80 KB goal: see the
// size section in CONTRIBUTING for where the bytes go); 103 KB with declarative
// images and ensure (the Image class, SHA-256, the reuse logic; measured
// 98.3 KB, of which the request path's own diet took 2.2 KB back); 108 KB
// with the first-five-minutes work (every options and params object refuses
// unknown keys with the intended one, `extraBody`/`extraQuery`, environment
// defaults, readable errors with a `cause`: measured 103.5 KB, plus 5%); 98 KB
// once serde-wasm-bindgen's error formatting is patched out (-9.7 KB), talc
// replaces dlmalloc (-2.8 KB) and fetch takes (url, init): measured 92.8 KB,
// plus 5%; 95 KB once one export serves every operation (the 18 async
// exports each carried a wasm-bindgen wrapper with the argument reading
// inlined, and a function in the glue): measured 90.8 KB, plus about 5%; 100 KB
// once no create is sent twice against an API without idempotency keys (a
// lookup after a lost answer for six operations and its matching, one retry
// budget per call, ensure's rounds and shared builds, mayHaveActed errors):
// measured 98.2 KB (+7.6 KB, after trimming 12 KB of a first cut: no hash
// maps, no float or generic integer parsing, no sort), plus under 2%; 102 KB
// with what a UI needs (onRetry on requests and waits, a wait's maxOutageMs,
// a stable code on every error, the package's own error for a wasm that a
// bundle cannot load, the secret-key guard, the key redacted from error
// bodies): measured 100.6 KB (+2.4 KB),
// plus about 2%. The goal of 80 KB is not met: CONTRIBUTING says where the
// rest goes.
const BROWSER_BUDGET_GZIP = 102 * 1024;

test(`a browser downloads at most ${BROWSER_BUDGET_GZIP} bytes gzip`, () => {
  const s = sizes();
  const wasm = s['instavm_wasm_bg.wasm'];
  const entry = s['web.js'];
  assert.ok(wasm && entry, 'pkg/ must hold a build (run npm run build)');
  const total = wasm.gzip + entry.gzip;
  console.log(`wasm ${wasm.raw} B raw / ${wasm.gzip} B gzip; web.js ${entry.raw} B raw / ${entry.gzip} B gzip; browser download ${total} B gzip`);
  assert.ok(total <= BROWSER_BUDGET_GZIP, `${total} B gzip is over the ${BROWSER_BUDGET_GZIP} B budget`);
});

test('the package ships one module per entry and nothing unbundled', () => {
  const shipped = Object.keys(sizes()).sort();
  // (sizes() leaves out the type declarations.)
  assert.deepEqual(shipped, [
    'deno.js',
    'edge.js',
    'instavm-emulator.js',
    'instavm_emulator_bg.wasm',
    'instavm_wasm_bg.wasm',
    'node.cjs',
    'node.js',
    'proxy.cjs',
    'proxy.js',
    'testing-deno.js',
    'testing-node.cjs',
    'testing-node.js',
    'testing-web.js',
    'testing-workerd.js',
    'web.js',
    'workerd.js',
  ]);
});

// instavm-wasm/testing, checked on its own: the emulator's wasm and its
// browser entry (measured 104.4 KB gzip with the whole API; plus 5%).
const TESTING_BUDGET_GZIP = 110 * 1024;

test(`instavm-wasm/testing downloads at most ${TESTING_BUDGET_GZIP} bytes gzip in a browser`, () => {
  const s = sizes();
  const total = s['instavm_emulator_bg.wasm'].gzip + s['testing-web.js'].gzip;
  console.log(`testing entry: emulator wasm ${s['instavm_emulator_bg.wasm'].gzip} B gzip + testing-web.js ${s['testing-web.js'].gzip} B gzip = ${total} B`);
  assert.ok(total <= TESTING_BUDGET_GZIP, `${total} B gzip is over the ${TESTING_BUDGET_GZIP} B budget`);
});

test('the main entries never load the emulator: instavm-wasm/testing costs its users only', () => {
  for (const entry of ['web.js', 'node.js', 'node.cjs', 'deno.js', 'workerd.js', 'edge.js']) {
    const text = readFileSync(join(pkgDir, entry), 'utf8');
    assert.ok(!text.includes('instavm_emulator'), `${entry} mentions the emulator`);
  }
});

// instavm-wasm/proxy routes requests and nothing more: no wasm, no client,
// no emulator, and a few KB in a Worker's bundle (measured 5.9 KB gzip
// unminified with its comments; plus about 5%). 8 KB once it hardens what
// an app on the public internet needs (an upstream timeout, caps on answers
// and requests in flight, JSON-only answers with nosniff and no-store, the
// key scrubbed in its encoded forms, risky configuration refused): measured
// 7.8 KB. 13 KB once it scopes records to the app's users (`owner`: the
// ownership reads, names and tags rewritten both ways, lists filtered, each
// body held to the contract's fields), decides same-origin from its `origin`
// option, and says why in a code on every refusal (with `onError`, a lazy
// key and the warnings of unallowed waits): measured 11.9 KB, plus about 9%
// (9.6 KB minified, as a Worker's bundler ships it). The shipped file keeps
// its comments: it is the part of the package an app's reviewer reads.
const PROXY_BUDGET_GZIP = 13 * 1024;

test(`instavm-wasm/proxy is plain JS of at most ${PROXY_BUDGET_GZIP} bytes gzip`, () => {
  const s = sizes();
  for (const entry of ['proxy.js', 'proxy.cjs']) {
    const text = readFileSync(join(pkgDir, entry), 'utf8');
    assert.ok(!/\.wasm|instavm_wasm|instavm_emulator/.test(text), `${entry} loads no wasm`);
  }
  console.log(`proxy.js ${s['proxy.js'].raw} B raw / ${s['proxy.js'].gzip} B gzip`);
  assert.ok(s['proxy.js'].gzip <= PROXY_BUDGET_GZIP, `${s['proxy.js'].gzip} B gzip is over the ${PROXY_BUDGET_GZIP} B budget`);
});
