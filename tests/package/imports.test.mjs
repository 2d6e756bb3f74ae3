// No import circles in the package's JavaScript or the demo page, checked by
// dpdm (a maintained tool) from every entry point: a circle makes a module's
// exports undefined while the other half evaluates, depending on which file
// a bundler or runtime happens to load first.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Every module of js/ (each folder's too) and the demo page's entry.
const entries = [...readdirSync(join(root, 'js'), { recursive: true }).filter((f) => f.endsWith('.js')).map((f) => `js/${f}`), 'www/js/main.js'];

test('no import circles in js/ and www/js/ (dpdm)', () => {
  const dpdm = join(root, 'node_modules', 'dpdm', 'lib', 'bin', 'dpdm.js');
  const r = spawnSync(process.execPath, [dpdm, '--no-warning', '--no-tree', '--exit-code', 'circular:1', '-T', ...entries], { cwd: root, encoding: 'utf8' });
  const out = (r.stdout + r.stderr).replace(/\x1b\[\d+m/g, '');
  const analysed = Number(out.match(/\[(\d+)\/\d+\] Analyze done/)?.[1] ?? 0);
  assert.ok(entries.length >= 20 && analysed >= entries.length, `dpdm analysed ${analysed} modules from ${entries.length} entries:\n${out}`);
  assert.equal(r.status, 0, `import circles:\n${out}`);
});
