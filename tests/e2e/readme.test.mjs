// The README's examples, run as a user would paste them: each ```js block of
// the "Use" and "VMs" sections, against the emulator instead of port 8787.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BASE_URL, freshKey } from './helpers.mjs';

const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');

function block(section, level = '##') {
  const start = readme.indexOf(`\n${level} ${section}\n`);
  assert.ok(start >= 0, `README has a "${section}" section`);
  const m = readme.slice(start).match(/```js\n([\s\S]*?)```/);
  assert.ok(m, `the "${section}" section has a js example`);
  return m[1];
}

/** Runs an example as a module of its own and returns what it printed. */
async function run(code, name) {
  const file = new URL(`./readme-${name}.mjs`, import.meta.url);
  writeFileSync(file, code);
  const logged = [];
  const log = console.log;
  console.log = (...args) => logged.push(args.map(String).join(' '));
  try {
    await import(pathToFileURL(file.pathname).href);
  } finally {
    console.log = log;
  }
  return logged;
}

for (const section of ['Use', 'VMs']) {
  test(`the README's ${section} example runs unchanged against the emulator`, async () => {
    const code = block(section)
      .replaceAll("'http://127.0.0.1:8787'", JSON.stringify(BASE_URL))
      .replaceAll("'instavm_sk_demo'", JSON.stringify(freshKey(`readme${section}`)));
    const logged = await run(code, section);
    assert.ok(logged.length > 0, 'the example printed something');
    if (section === 'Use') assert.deepEqual(logged, ['pending', 'building', 'ready']);
    if (section === 'VMs') {
      assert.match(logged[0], /^snap_\S+ ready$/);
      assert.equal(logged[1], 'true true');
    }
  });
}

test("the README's deploy script builds once, and reuses the snapshot when run again", async () => {
  const key = freshKey('readmeDeploy');
  const code = block('Declarative images and build reuse', '###').replace(
    'new InstaVM(process.env.INSTAVM_API_KEY)',
    `new InstaVM({ apiKey: ${JSON.stringify(key)}, baseUrl: ${JSON.stringify(BASE_URL)} })`,
  );
  assert.ok(code.includes(key), 'the example constructs its client as expected');
  const first = await run(code, 'deploy-1');
  assert.deepEqual(first.slice(0, -1), ['pending', 'building', 'ready']);
  assert.match(first.at(-1), /^built app-[0-9a-f]{12} \(snap_\S+\)$/);
  const second = await run(code, 'deploy-2');
  assert.deepEqual(second, [first.at(-1).replace(/^built/, 'reused')]);
});

test("the README's testing example passes under node --test, with no server", async () => {
  const { spawnSync } = await import('node:child_process');
  const file = new URL('./readme-testing.test.mjs', import.meta.url);
  writeFileSync(file, block('Testing your code'));
  // A run of its own: without the parent runner's context, reporting as TAP.
  const { NODE_TEST_CONTEXT, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file.pathname], { encoding: 'utf8', env: { ...env, INSTAVM_BASE_URL: '' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /# pass 1\b/);
  assert.match(r.stdout, /# fail 0\b/);
});
