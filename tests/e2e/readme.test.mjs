// The README's examples, run as a user would paste them: each ```js block of
// the "Use" and "VMs" sections, against the emulator instead of port 8787.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BASE_URL, freshKey } from './helpers.mjs';

const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');

function block(section) {
  const start = readme.indexOf(`\n## ${section}\n`);
  assert.ok(start >= 0, `README has a "${section}" section`);
  const m = readme.slice(start).match(/```js\n([\s\S]*?)```/);
  assert.ok(m, `the "${section}" section has a js example`);
  return m[1];
}

for (const section of ['Use', 'VMs']) {
  test(`the README's ${section} example runs unchanged against the emulator`, async () => {
    const code = block(section)
      .replaceAll("'http://127.0.0.1:8787'", JSON.stringify(BASE_URL))
      .replaceAll("'instavm_sk_demo'", JSON.stringify(freshKey(`readme${section}`)));
    const file = new URL(`./readme-${section}.mjs`, import.meta.url);
    writeFileSync(file, code);
    const logged = [];
    const log = console.log;
    console.log = (...args) => logged.push(args.map(String).join(' '));
    try {
      await import(pathToFileURL(file.pathname).href);
    } finally {
      console.log = log;
    }
    assert.ok(logged.length > 0, 'the example printed something');
    if (section === 'Use') assert.deepEqual(logged, ['pending', 'building', 'ready']);
    if (section === 'VMs') {
      assert.match(logged[0], /^snap_\S+ ready$/);
      assert.equal(logged[1], 'true true');
    }
  });
}
