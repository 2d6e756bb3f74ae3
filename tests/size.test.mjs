// The size budget of what a browser downloads: the wasm plus its JS. Sizes are
// deterministic, so this is asserted; growth past the budget is a decision
// to make here, consciously.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sizes } from '../scripts/lib/build.mjs';

// Everything a browser downloads: the wasm and the browser entry (one
// module: the glue and the JS layer, bundled and minified). The performance
// issue's target is 32 KB; it is not reached (see the README's size
// section), so this asserts today's ceiling with a little room, and growth
// past it is a decision made here. History: 60 KB for the snapshots client;
// 72 KB once the VM API came in; 56 KB after the performance work (no std,
// bundled entries, no str searcher or format!; measured 53.6 KB).
const BROWSER_BUDGET_GZIP = 56 * 1024;

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
  assert.deepEqual(shipped, ['deno.js', 'instavm_wasm_bg.wasm', 'node.cjs', 'node.js', 'web.js', 'workerd.js']);
});
