// The size budget of what a browser downloads: the wasm plus its JS. Sizes are
// deterministic, so this is asserted; growth past the budget is a decision
// to make here, consciously.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sizes } from '../scripts/lib/build.mjs';

// 60 KB for the snapshots client; raised to 70 KB when the VM API came in
// (+7 KB gzip for fourteen methods and their checks). To be cut in the
// performance work, not quietly raised again.
const BUDGET_GZIP = 70 * 1024;

test(`wasm plus its JS glue is at most ${BUDGET_GZIP} bytes gzip`, () => {
  const s = sizes();
  const wasm = s['instavm_wasm_bg.wasm'];
  const glue = s['instavm_wasm.js'];
  assert.ok(wasm && glue, 'pkg/ must hold a build (run npm run build)');
  const total = wasm.gzip + glue.gzip;
  console.log(`wasm ${wasm.raw} B raw / ${wasm.gzip} B gzip; glue ${glue.raw} B raw / ${glue.gzip} B gzip; total ${total} B gzip`);
  assert.ok(total <= BUDGET_GZIP, `${total} B gzip is over the ${BUDGET_GZIP} B budget`);
});

// Everything a browser downloads: the wasm, its glue, the JS layer and the
// browser entry. The performance issue's target is 32 KB; it is not reached
// yet (see the README's size section), so this asserts today's ceiling.
const BROWSER_BUDGET_GZIP = 72 * 1024;

test(`a browser downloads at most ${BROWSER_BUDGET_GZIP} bytes gzip`, () => {
  const s = sizes();
  const browser = ['instavm_wasm_bg.wasm', 'instavm_wasm.js', 'client.js', 'errors.js', 'web.js'];
  for (const f of browser) assert.ok(s[f], `${f} is shipped`);
  const total = browser.reduce((n, f) => n + s[f].gzip, 0);
  console.log(`browser download: ${total} B gzip`);
  assert.ok(total <= BROWSER_BUDGET_GZIP, `${total} B gzip is over the ${BROWSER_BUDGET_GZIP} B budget`);
});
