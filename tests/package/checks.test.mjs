// The packed package as tools see it: publint and arethetypeswrong report no
// problems, the typed usage file compiles under --strict, and the misuse file
// fails exactly on the lines marked `// misuse`. Run by npm test with SCRATCH
// set to the project where the tarball is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = process.env.SCRATCH;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const installed = join(scratch ?? '', 'node_modules', 'instavm-wasm');

function exec(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: scratch, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function tsc(file) {
  copyFileSync(join(root, 'tests', 'types', file), join(scratch, file));
  return exec(bin('tsc'), ['--strict', '--noEmit', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2022,dom,dom.iterable,esnext.asynciterable', file]);
}

test('SCRATCH names a project with the package installed', () => {
  assert.ok(scratch, 'SCRATCH must be set');
  assert.ok(readdirSync(installed).includes('package.json'));
});

test('publint finds nothing to report', () => {
  const r = exec(bin('publint'), ['run', installed, '--pack', 'false', '--level', 'suggestion']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /All good/, r.out);
});

test('arethetypeswrong finds no problem in any resolution mode', () => {
  const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
  const r = exec(bin('attw'), [join(scratch, tarball), '--format', 'ascii']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /No problems found/, r.out);
});

test('the shipped types have no `any` on the public surface', () => {
  for (const f of ['index.d.ts', 'index.d.cts']) {
    const text = readFileSync(join(installed, 'pkg', f), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
    assert.doesNotMatch(text, /\bany\b/, f);
  }
});

test('a file using the whole API compiles under tsc --strict', () => {
  const r = tsc('usage.ts');
  assert.equal(r.status, 0, r.out);
});

test('deliberate misuse fails to compile, on exactly the marked lines', () => {
  const source = readFileSync(join(root, 'tests', 'types', 'misuse.ts'), 'utf8').split('\n');
  const marked = source.flatMap((line, i) => (/\/\/ misuse$/.test(line.trimEnd()) ? [i + 1] : []));
  assert.ok(marked.length >= 3, 'the misuse file marks its misuses');
  const r = tsc('misuse.ts');
  assert.notEqual(r.status, 0, 'misuse must not compile');
  const errorLines = [...new Set([...r.out.matchAll(/misuse\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1])))];
  assert.deepEqual(errorLines, marked, r.out);
});

test('an ESM app bundled to one CommonJS file (as serverless tools do) loads the wasm copied beside it', () => {
  // esbuild resolves `import` through the package's "import" condition, so
  // this bundles pkg/node.js; import.meta is empty in CommonJS output.
  const out = join(scratch, 'cjs-bundle');
  const app = join(scratch, 'cjs-bundle-app.mjs');
  writeFileSync(app, "import { InstaVM, ValidationError } from 'instavm-wasm';\ntry { new InstaVM({ apiKey: 'k', baseUrl: 'ftp://x' }); } catch (e) { console.log(e instanceof ValidationError ? 'refused' : `wrong: ${e}`); }\n");
  const built = exec(bin('esbuild'), [app, '--bundle', '--platform=node', '--format=cjs', '--log-level=error', `--outfile=${join(out, 'app.cjs')}`]);
  assert.equal(built.status, 0, built.out);
  copyFileSync(join(installed, 'pkg', 'instavm_wasm_bg.wasm'), join(out, 'instavm_wasm_bg.wasm'));
  const ran = exec(process.execPath, [join(out, 'app.cjs')]);
  assert.equal(ran.status, 0, ran.out);
  assert.equal(ran.out.trim(), 'refused');
});

test('in a Node without process.getBuiltinModule the wasm loads on the first call, and options are checked there', () => {
  const script = join(scratch, 'old-node.mjs');
  writeFileSync(script, "delete process.getBuiltinModule;\nconst { InstaVM, ValidationError } = await import('instavm-wasm');\nconst c = new InstaVM({ apiKey: 'k', baseUrl: 'ftp://x' });\ntry { await c.snapshots.list(); console.log('not refused'); } catch (e) { console.log(e instanceof ValidationError ? `refused: ${e.field}` : `wrong: ${e}`); }\n");
  const ran = exec(process.execPath, [script]);
  assert.equal(ran.status, 0, ran.out);
  assert.equal(ran.out.trim(), 'refused: baseUrl');
});
