// Every code block of README.md, run as written: no block is edited before
// it runs. Each block is claimed by one runner below, and a block no runner
// claims fails the first test, so the README cannot gain an example that
// nothing runs.
//
//   sh    `npm install instavm-wasm`   what the scratch project was made with
//         `npx instavm-emulator ...`   started, its listening line read, stopped
//         `deno run ...`               runs the named ts/js block under Deno
//   js    the first block (quickstart) node, with no INSTAVM_* variable set;
//                                      prints exactly the `text` block after it
//   js    `export default { fetch }`   a Worker, bundled as wrangler does and run
//                                      in Miniflare with the README's wrangler.toml
//                                      compatibility date and .dev.vars bindings;
//                                      one importing instavm-wasm/proxy is driven
//                                      as a page would, through its prefix
//   js    `// name.test.mjs`           node --test
//   js    any other                    node, with INSTAVM_API_KEY (a fresh key)
//                                      and INSTAVM_BASE_URL (the test emulator)
//   toml  `# wrangler.toml`, ini `# .dev.vars`: read by the Worker runner
//
// Runs in the scratch project (the packed package installed), where npm test
// copies this file, helpers.mjs and README.md. The blocks are written to
// ./readme-blocks/ under the file names their first line gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_URL, freshKey, requestLog } from './helpers.mjs';
// Copied beside this file into the scratch project, from tests/ecosystem.
import { startWorker } from './worker-host.mjs';
import { parseBlocks } from './blocks.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, 'README.md'), 'utf8');
const work = join(here, 'readme-blocks');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

/** The newest compatibility date the workerd that `npm i wrangler` brings on Node 20 accepts. */
const NEWEST_WORKERD_DATE_ON_NODE_20 = '2026-05-03';
/** How long any one program may run before it counts as hanging. */
const RUN_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------- parsing

const blocks = parseBlocks(readme, 'README.md');
const jsBlocks = blocks.filter((b) => b.lang === 'js');
const quickstart = jsBlocks[0];
const isShell = (b) => ['sh', 'bash', 'shell'].includes(b.lang);
const shellLines = blocks
  .filter(isShell)
  .flatMap((b) => b.code.split('\n').map((text) => ({ text: text.trim(), block: b })))
  .filter((l) => l.text !== '');
const denoLines = shellLines.filter((l) => /^deno run\s/.test(l.text));
const emulatorLines = shellLines.filter((l) => /^npx instavm-emulator(\s|$)/.test(l.text));
const installLines = shellLines.filter((l) => /^npm (install|i)\s/.test(l.text));
const isWorker = (b) => b.lang === 'js' && /^export default\s*\{/m.test(b.code);
const byName = (name) => blocks.find((b) => b.name === name);

/** Which runner runs each block; a block without one is reported by the first test. */
function runnerOf(b) {
  if (isShell(b)) {
    const kinds = b.code
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => (/^npm (install|i)\s/.test(l) ? 'install' : /^npx instavm-emulator(\s|$)/.test(l) ? 'npx instavm-emulator' : /^deno run\s/.test(l) ? 'deno' : null));
    return kinds.length > 0 && kinds.every(Boolean) ? [...new Set(kinds)].join(', ') : null;
  }
  if (b.lang === 'js') {
    if (b === quickstart) return 'node (quickstart, no environment)';
    if (isWorker(b)) return 'Miniflare';
    if (b.name?.endsWith('.test.mjs')) return 'node --test';
    return 'node';
  }
  if (b.lang === 'ts' && denoLines.some((l) => l.text.split(/\s+/).at(-1) === b.name)) return 'deno';
  if (b.lang === 'toml' && b.name === 'wrangler.toml') return 'Miniflare (compatibility date)';
  if (b.name === '.dev.vars') return 'Miniflare (bindings)';
  if (b.lang === 'text' && quickstart && b.index === quickstart.index + 1) return 'quickstart output';
  return null;
}

// ---------------------------------------------------------------- running

/** Runs a program to its end; a program still running after `timeoutMs` is killed and reported. */
function run(cmd, args, { cwd = work, env, timeoutMs = RUN_TIMEOUT_MS } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}\ncould not start ${cmd}: ${e.message}`, timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** Asserts a clean exit, and returns the printed lines. */
function lines(result, what) {
  const detail = `${what}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
  assert.ok(!result.timedOut, `still running after ${RUN_TIMEOUT_MS / 1000} s (it must exit by itself): ${detail}`);
  assert.equal(result.code, 0, detail);
  return result.stdout.split('\n').filter((l) => l !== '');
}

/** The environment of a program run as a user's: no test runner context, no INSTAVM_*. */
function userEnv(extra = {}) {
  const { NODE_TEST_CONTEXT, INSTAVM_API_KEY, INSTAVM_BASE_URL, ...env } = process.env;
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Writes a block where its first line says; returns the path. */
function write(b) {
  assert.ok(b.name, `README.md line ${b.line}: the block's first line names its file (\`// name.mjs\`)`);
  const file = join(work, b.name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, b.code);
  return file;
}

/** The nearest folder above the scratch project holding node_modules/.bin/NAME (the repository's). */
function repoBin(name) {
  for (let dir = here; ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', name);
    if (existsSync(bin)) return bin;
    assert.notEqual(dirname(dir), dir, `node_modules/.bin/${name} not found above ${here}`);
  }
}

/** `KEY=value` lines, as wrangler reads .dev.vars. */
function parseDotenv(text) {
  const vars = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([A-Za-z_][\w]*)\s*=\s*(.*)$/);
    assert.ok(m, `.dev.vars: cannot read the line "${line}"`);
    vars[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

/** `key = "value"` at the top of wrangler.toml. */
function tomlString(text, key) {
  return text.match(new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm'))?.[1];
}

/**
 * The README's proxy Worker, called as the page behind it calls it: with the
 * session cookie its login would set (signed with .dev.vars' SESSION_SECRET)
 * and no key. Alice builds and lists through it and sees her own snapshot
 * and not the one the key made outside the proxy; Bob, signed in too, sees
 * nothing of Alice's (a 404 for her snapshot); a forged or absent cookie and
 * a foreign origin are refused, and none of those refusals reaches the API.
 * The key is in no answer.
 */
async function checkProxyWorker(b, mf, vars, outside, root) {
  const key = vars.INSTAVM_API_KEY;
  const prefix = b.code.match(/prefix: '([^']+)'/)?.[1];
  assert.ok(prefix, `README.md line ${b.line}: the proxy Worker names its prefix`);
  const sign = (id) => `session=${id}.${createHmac('sha256', vars.SESSION_SECRET).update(id).digest('hex')}`;
  const answers = [root];
  const call = async (method, path, headers = {}, body) => {
    const r = await mf.dispatchFetch(`http://localhost${prefix}${path}`, { method, headers: { accept: 'application/json', ...headers }, body });
    const answer = { status: r.status, text: await r.text(), headers: [...r.headers].join('\n') };
    answers.push(answer);
    return answer;
  };
  const alice = { cookie: `theme=dark; ${sign('alice')}` };
  // A same-origin POST, as the page sends it: Origin is APP_ORIGIN.
  const made = await call('POST', '/v1/snapshots', { ...alice, origin: vars.APP_ORIGIN, 'content-type': 'application/json' }, JSON.stringify({ oci_image: 'alpine', name: 'from-the-page' }));
  assert.equal(made.status, 201, made.text);
  const mine = JSON.parse(made.text);
  assert.equal(mine.name, 'from-the-page');
  const listed = await call('GET', '/v1/snapshots', alice);
  assert.equal(listed.status, 200, listed.text);
  assert.deepEqual(JSON.parse(listed.text).map((s) => s.id), [mine.id], `alice lists her own snapshot only: ${listed.text}`);
  const before = (await requestLog(key)).length;
  const bob = { cookie: sign('bob') };
  assert.deepEqual(JSON.parse((await call('GET', '/v1/snapshots', bob)).text), [], 'bob sees none of it');
  assert.equal((await call('DELETE', `/v1/snapshots/${mine.id}`, bob)).status, 404, "alice's snapshot is not bob's to delete");
  assert.equal((await call('GET', `/v1/snapshots/${outside}`, alice)).status, 404, 'what the key made outside the proxy is nobody\'s');
  const reads = (await requestLog(key)).length - before;
  for (const [what, headers, status, code] of [
    ['no cookie', {}, 401, 'unauthenticated'],
    ['a forged signature', { cookie: `session=alice.${'0'.repeat(64)}` }, 401, 'unauthenticated'],
    ['a cookie signed for another id', { cookie: sign('alice').replace('alice.', 'mallory.') }, 401, 'unauthenticated'],
    ['a foreign origin', { ...alice, origin: 'https://evil.example' }, 403, 'origin_not_allowed'],
  ]) {
    const refused = await call('GET', '/v1/snapshots', headers);
    assert.equal(refused.status, status, `${what}: ${refused.text}`);
    assert.equal(JSON.parse(refused.text).code, code, what);
  }
  assert.equal((await requestLog(key)).length - before, reads, 'the refused requests reached nothing');
  assert.equal(reads, 3, "bob's list and the two ownership reads were all that reached the API");
  assert.equal((await api(key, `/v1/snapshots/${mine.id}`)).status, 200, "alice's snapshot is still there");
  await api(key, `/v1/snapshots/${mine.id}`, { method: 'DELETE' });
  for (const a of answers) assert.ok(!a.text.includes(key) && !(a.headers ?? '').includes(key), 'the key is in no answer');
}

async function api(key, path, init = {}) {
  const r = await fetch(`${BASE_URL}${path}`, { ...init, headers: { 'X-API-Key': key, 'Content-Type': 'application/json', ...init.headers } });
  return { status: r.status, body: await r.json() };
}

const portFree = (port) =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

// ---------------------------------------------------------------- the tests

test('README.md: under 300 lines, the install command before the first js block', () => {
  const count = readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0);
  assert.ok(count < 300, `README.md has ${count} lines; keep it under 300`);
  assert.ok(quickstart, 'README.md has a js block');
  assert.ok(installLines.length > 0 && installLines[0].block.line < quickstart.line, 'the install command comes before the first js block');
});

test('every block of README.md is run, or read, by a runner of this test', () => {
  const unclaimed = blocks.filter((b) => !runnerOf(b)).map((b) => `line ${b.line} (\`\`\`${b.lang}${b.name ? ` ${b.name}` : ''})`);
  assert.deepEqual(unclaimed, [], 'every block of README.md is run or read by a runner of this test');
  for (const b of blocks) console.log(`README.md line ${b.line}: ${b.lang}${b.name ? ` ${b.name}` : ''} -> ${runnerOf(b)}`);
});

test('the install command is the package, exactly, and installed it in this project', () => {
  assert.deepEqual(installLines.map((l) => l.text), ['npm install instavm-wasm']);
  const installed = JSON.parse(readFileSync(join(here, 'node_modules', 'instavm-wasm', 'package.json'), 'utf8'));
  assert.equal(installed.name, 'instavm-wasm');
});

test('the quickstart runs with no key and no server, prints what the README says, and exits by itself', async () => {
  const output = blocks[quickstart.index + 1];
  assert.equal(output?.lang, 'text', 'the quickstart is followed by a text block of what it prints');
  assert.match(quickstart.code, /from 'instavm-wasm\/testing'/, 'the quickstart uses the in-process emulator');
  const file = write(quickstart);
  const printed = lines(await run(process.execPath, [file], { env: userEnv() }), 'the quickstart');
  assert.deepEqual(printed, output.code.split('\n').filter(Boolean));
});

/** What the other Node programs must print, by file name; a program not listed here must print something. */
const expectations = {
  async 'main.mjs'(file, key) {
    // The key holds one snapshot: the program lists it, from the environment alone.
    const made = await api(key, '/v1/snapshots', { method: 'POST', body: JSON.stringify({ oci_image: 'alpine', name: 'listed' }) });
    const printed = lines(await run(process.execPath, [file], { env: userEnv({ INSTAVM_API_KEY: key, INSTAVM_BASE_URL: BASE_URL }) }), file);
    assert.equal(printed.length, 1, printed.join('\n'));
    assert.match(printed[0], /^snapshot: listed (pending|building|ready)$/);
    await api(key, `/v1/snapshots/${made.body.id}`, { method: 'DELETE' });
  },
  async 'deploy.mjs'(file, key) {
    const env = userEnv({ INSTAVM_API_KEY: key, INSTAVM_BASE_URL: BASE_URL });
    const first = lines(await run(process.execPath, [file], { env }), `${file}, first run`);
    assert.equal(first[0], 'pending');
    assert.equal(first.at(-2), 'ready');
    assert.match(first.at(-1), /^built app-[0-9a-f]{12}$/);
    const second = lines(await run(process.execPath, [file], { env }), `${file}, second run`);
    assert.deepEqual(second, [first.at(-1).replace(/^built/, 'reused')], 'run again, it reuses the snapshot');
  },
  async 'vms.mjs'(file, key) {
    const printed = lines(await run(process.execPath, [file], { env: userEnv({ INSTAVM_API_KEY: key, INSTAVM_BASE_URL: BASE_URL }) }), file);
    assert.deepEqual(printed, ["true [ '/data' ]"]);
    assert.deepEqual((await api(key, '/v1/snapshots')).body, [], 'it deleted its snapshot');
  },
};

for (const b of jsBlocks.filter((b) => runnerOf(b) === 'node')) {
  test(`README.md line ${b.line}: ${b.name ?? 'a js block'} runs under node with INSTAVM_API_KEY and INSTAVM_BASE_URL`, async () => {
    const file = write(b);
    const key = freshKey(`readme_${b.name.replace(/\W+/g, '_')}`);
    const check = expectations[b.name];
    if (check) return check(file, key);
    const printed = lines(await run(process.execPath, [file], { env: userEnv({ INSTAVM_API_KEY: key, INSTAVM_BASE_URL: BASE_URL }) }), file);
    assert.ok(printed.length > 0, `${b.name} printed nothing to check`);
  });
}

for (const b of jsBlocks.filter((b) => runnerOf(b) === 'node --test')) {
  test(`README.md line ${b.line}: ${b.name} passes under node --test, with no server and no key`, async () => {
    const file = write(b);
    const r = await run(process.execPath, ['--test', '--test-reporter=tap', file], { env: userEnv() });
    lines(r, file);
    assert.match(r.stdout, /^# pass [1-9]\d*$/m);
    assert.match(r.stdout, /^# fail 0$/m);
  });
}

test("the README's Workers: bundled as wrangler does, run in Miniflare with the wrangler.toml date and .dev.vars", async (t) => {
  const toml = byName('wrangler.toml');
  const devVars = byName('.dev.vars');
  assert.ok(toml && devVars, 'the README shows a wrangler.toml and a .dev.vars');
  const date = tomlString(toml.code, 'compatibility_date');
  assert.match(date ?? '', /^\d{4}-\d{2}-\d{2}$/, 'wrangler.toml has a compatibility_date');
  assert.ok(date <= NEWEST_WORKERD_DATE_ON_NODE_20, `compatibility_date ${date} is newer than ${NEWEST_WORKERD_DATE_ON_NODE_20}, which the workerd of \`npm i wrangler\` on Node 20 refuses`);
  const main = tomlString(toml.code, 'main');
  const workers = blocks.filter(isWorker);
  assert.ok(workers.some((b) => b.name === main), `wrangler.toml's main (${main}) is a Worker block of the README`);
  const vars = parseDotenv(devVars.code);
  assert.ok(vars.INSTAVM_API_KEY && vars.INSTAVM_BASE_URL, '.dev.vars sets INSTAVM_API_KEY and INSTAVM_BASE_URL');

  for (const b of workers) {
    await t.test(`README.md line ${b.line}: ${b.name}`, async () => {
      const entry = write(b);
      const outdir = join(work, 'dist', b.name.replace(/\W+/g, '_'));
      // .dev.vars bound as wrangler dev would bind them, but for the test emulator's address.
      const mf = await startWorker(entry, outdir, { compatibilityDate: date, bindings: { ...vars, INSTAVM_BASE_URL: BASE_URL } });
      try {
        // The key of .dev.vars owns one snapshot on the test emulator while the Worker runs.
        const made = await api(vars.INSTAVM_API_KEY, '/v1/snapshots', { method: 'POST', body: JSON.stringify({ oci_image: 'alpine', type: 'user' }) });
        assert.equal(made.status, 201);
        try {
          const response = await mf.dispatchFetch('http://localhost/');
          const text = await response.text();
          const isProxy = /from 'instavm-wasm\/proxy'/.test(b.code);
          // The proxy serves only its prefix: its root is a 404.
          assert.equal(response.status, isProxy ? 404 : 200, text);
          const body = JSON.parse(text);
          if (b.name === main) {
            assert.ok(Array.isArray(body), text);
            assert.ok(body.some((s) => s.id === made.body.id && s.type === 'user'), `the Worker listed the key's snapshot: ${text}`);
          } else if (/from 'instavm-wasm\/proxy'/.test(b.code)) {
            await checkProxyWorker(b, mf, vars, made.body.id, { status: response.status, text });
          } else {
            assert.equal(body.status, 'ready', text);
            assert.equal(body.oci_image, 'alpine', text);
          }
        } finally {
          await api(vars.INSTAVM_API_KEY, `/v1/snapshots/${made.body.id}`, { method: 'DELETE' });
        }
      } finally {
        await mf.dispose();
      }
    });
  }
});

for (const l of denoLines) {
  test(`README.md line ${l.block.line}: \`${l.text}\` under Deno`, async () => {
    const args = l.text.split(/\s+/).slice(1);
    const script = byName(args.at(-1));
    assert.ok(script, `the README has a block named ${args.at(-1)}`);
    // The flags allow 127.0.0.1 (the emulator's host), not the test's port in particular.
    assert.equal(new URL(BASE_URL).hostname, '127.0.0.1');
    write(script);
    const key = freshKey('readme_deno');
    const env = userEnv({ INSTAVM_API_KEY: key, INSTAVM_BASE_URL: BASE_URL, DENO_DIR: join(here, '.deno-cache') });
    const printed = lines(await run(repoBin('deno'), args, { env }), l.text);
    assert.deepEqual(printed, ['0 snapshots']);
  });
}

for (const l of emulatorLines) {
  test(`README.md line ${l.block.line}: \`${l.text}\` starts the emulator server`, async (t) => {
    const bin = join(here, 'node_modules', '.bin', 'instavm-emulator');
    assert.ok(existsSync(bin), 'the installed package has an instavm-emulator bin (package.json "bin")');
    const port = Number(l.text.match(/--port[ =](\d+)/)?.[1] ?? 8787);
    if (port !== 0 && !(await portFree(port))) return t.skip(`port ${port} is in use on this machine`);
    // Through a shell, as typed; offline, so npx can only run the installed bin.
    const child = spawn('sh', ['-c', l.text], { cwd: work, env: userEnv({ npm_config_offline: 'true', npm_config_yes: 'false' }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (c) => (out += c));
    try {
      const url = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line within 30 s:\n${out}`)), 30_000);
        child.stdout.on('data', (c) => {
          out += c;
          const m = out.match(/^instavm-emulator listening on (http:\/\/\S+)$/m);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`exited (${code}) before listening:\n${out}`));
        });
      });
      // The address the README's prose and .dev.vars give for it.
      if (port === 8787) {
        assert.ok(readme.includes(`\`instavm-emulator listening on ${url}\``), `the README quotes the line it prints (${url})`);
        const devVars = byName('.dev.vars');
        if (devVars) assert.equal(parseDotenv(devVars.code).INSTAVM_BASE_URL, url);
      }
      const r = await fetch(`${url}/v1/snapshots`, { headers: { 'X-API-Key': 'instavm_sk_any' } });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), []);
    } finally {
      child.removeAllListeners('exit');
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid, 'SIGTERM');
        await exited;
      }
    }
  });
}
