// `npm test`: every suite, each reporting how many tests it executed. A suite
// that fails, or executes nothing, fails the run. `npm test -- e2e demo` runs
// only those suites, `npm test -- tests/e2e/proxy.test.mjs` one file of its
// suite (see `selection` below).
import { cpSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { nearest } from '../js/nearest.js';
import { root, tee, step, StepError } from './lib/run.mjs';
import { build } from './lib/build.mjs';
import { scratchProject } from './lib/scratch.mjs';
import { ensureChromium, ensureClippy, ensureSchemathesis } from './lib/toolchain.mjs';
import { startEmulator } from './lib/emulator.mjs';

const results = [];

/**
 * The suites by the names `npm test -- NAME` takes, each with the folder or
 * file its tests live in (a file given on the command line picks its suite,
 * which then runs that file alone).
 */
const SUITES = {
  cargo: 'the native tests of the core and the emulator (cargo test)',
  clippy: 'cargo clippy, native and wasm32',
  wasm: 'wasm-bindgen-test in Node, Chromium and a dedicated worker (tests/client.rs)',
  size: 'the size budget (tests/size.test.mjs)',
  contract: 'api/openapi.yaml: linted, every copy checked against it, the emulator proven by Schemathesis (tests/contract/)',
  package: 'publint, attw, tsc and bundles of the packed package (tests/package/)',
  e2e: 'the packed package against the emulator (tests/e2e/)',
  ecosystem: 'every runtime, toolchain, framework and recipe (tests/ecosystem/)',
  soak: '500 operations against a faulty emulator (tests/soak/)',
  demo: 'the demo page in Chromium (tests/demo/demo.test.mjs)',
  keyless: "the demo page through npm start's proxy (tests/demo/keyless.test.mjs)",
};
const FILE_SUITES = [
  [/^tests\/e2e\/[^/]+\.test\.mjs$/, 'e2e'],
  [/^tests\/client\.rs$/, 'wasm'],
  [/^tests\/size\.test\.mjs$/, 'size'],
  [/^tests\/contract\/[^/]+\.test\.mjs$/, 'contract'],
  [/^tests\/package\/[^/]+\.test\.mjs$/, 'package'],
  [/^tests\/soak\/soak\.test\.mjs$/, 'soak'],
  [/^tests\/demo\/demo\.test\.mjs$/, 'demo'],
  [/^tests\/demo\/keyless\.test\.mjs$/, 'keyless'],
];

/** What the command line asks for: `null` (everything), or each chosen suite with its files (`null`: all of them). */
function selection(args) {
  if (args.length === 0) return null;
  const chosen = new Map();
  for (const arg of args) {
    if (Object.hasOwn(SUITES, arg)) {
      chosen.set(arg, null);
      continue;
    }
    // npm runs scripts from the package root; INIT_CWD is where the command was typed.
    const file = relative(root, resolve(process.env.INIT_CWD ?? process.cwd(), arg));
    const suite = FILE_SUITES.find(([pattern]) => pattern.test(file))?.[1];
    if (suite && !existsSync(join(root, file))) throw new StepError(`npm test: ${file} does not exist`);
    if (!suite) {
      const meant = nearest(arg, Object.keys(SUITES));
      const list = Object.entries(SUITES).map(([name, what]) => `  ${name.padEnd(10)} ${what}`).join('\n');
      throw new StepError(`npm test: no suite or test file ${JSON.stringify(arg)}${meant ? `; did you mean ${meant}?` : ''}\nThe suites:\n${list}\nor a test file of tests/e2e/, tests/demo/, tests/contract/, tests/package/, tests/soak/, tests/size.test.mjs or tests/client.rs (its suite, alone)`);
    }
    if (chosen.get(suite) !== null) chosen.set(suite, [...(chosen.get(suite) ?? []), file]);
  }
  return chosen;
}

let chosen = null;
/** Whether the run includes suite `name`. */
const wants = (name) => chosen === null || chosen.has(name);
/** The files suite `name` runs: the ones chosen on the command line, else `all`. */
const filesOf = (name, all) => chosen?.get(name) ?? all;

/** Counts from cargo's and wasm-bindgen-test's "test result:" lines. */
function cargoCounts(output) {
  let passed = 0;
  let failed = 0;
  for (const m of output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
}

/** Counts from node --test's closing summary. */
function nodeCounts(output) {
  const num = (label) => Number(output.match(new RegExp(`^# ${label} (\\d+)$`, 'm'))?.[1] ?? 0);
  return { passed: num('pass'), failed: num('fail') + num('cancelled') };
}

async function suite(name, cmd, args, counts, opts = {}) {
  step(`suite: ${name}`);
  const { status, output } = await tee(cmd, args, opts);
  const c = counts(output);
  const ok = status === 0 && c.failed === 0 && c.passed > 0;
  results.push({ name, ...c, ok, note: c.passed + c.failed === 0 ? 'executed no test' : status !== 0 ? `exit ${status}` : '' });
}

const wasmTest = (extra) => ({
  env: { ...process.env, CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: 'wasm-bindgen-test-runner', ...extra },
});
const wasmTestArgs = ['test', '--target', 'wasm32-unknown-unknown', '-p', 'instavm-wasm', '--test', 'client'];

/**
 * Clippy with the workspace's lints (no unwrap, expect, indexing or panic
 * outside tests) and every warning an error. Each run is one check: it
 * passes when clippy exits 0, and counts its findings otherwise.
 */
async function clippy(name, args) {
  step(`suite: ${name}`);
  const { status, output } = await tee('cargo', ['clippy', ...args, '--', '-D', 'warnings']);
  const findings = (output.match(/^error(\[\w+\])?: (?!could not compile)/gm) ?? []).length;
  const ok = status === 0;
  results.push({ name, passed: ok ? 1 : 0, failed: ok ? 0 : Math.max(findings, 1), ok, note: ok ? '' : `exit ${status}` });
}

/** The packed package in an empty project, with the end-to-end and ecosystem test files beside it. */
function testProject() {
  step('packing the package (npm pack) and installing it into an empty project');
  const scratch = scratchProject('scratch');
  cpSync(join(root, 'tests', 'e2e'), scratch, { recursive: true });
  cpSync(join(root, 'tests', 'ecosystem'), scratch, { recursive: true });
  cpSync(join(root, 'README.md'), join(scratch, 'README.md'));
  return scratch;
}

/** The ecosystem harness prints one RUNTIME-RESULT line per runtime: each is a suite of its own. */
async function ecosystem(scratch, url) {
  step('suite: ecosystem (the scenario in every runtime)');
  const { status, output } = await tee(process.execPath, [join(root, 'tests', 'ecosystem', 'run.mjs'), scratch, url]);
  const rows = [...output.matchAll(/^RUNTIME-RESULT (.*)$/gm)].map((m) => JSON.parse(m[1]));
  for (const r of rows) {
    results.push({ name: `ecosystem: ${r.name}`, passed: r.passed, failed: r.failed, ok: r.failed === 0 && r.passed > 0, note: r.passed === 0 ? 'executed no check' : '' });
  }
  // Seven environments, each against the server and against the in-process
  // emulator; Node ESM and CommonJS, Deno, Bun and workerd also keyless
  // through the proxy; esbuild and Rollup pages as is and with their fix,
  // webpack, Parcel (also in process); a Next.js app (its page in Chromium,
  // a server and an edge Route Handler) and a SvelteKit one (page,
  // endpoint); docs/recipes.md's two apps, and the check that every block
  // of it went into one.
  const expected = 34;
  if (rows.length < expected || status !== 0) {
    results.push({ name: 'ecosystem harness', passed: 0, failed: 1, ok: false, note: `${rows.length} of ${expected} runs reported (exit ${status})` });
  }
}

/**
 * The soak suite, against an emulator of its own that injects about 30%
 * faults, a third of them answers lost after the server acted, and replays
 * no Idempotency-Key (its default, as the documented API).
 */
async function soak(scratch) {
  const faults = '429:0.06,503:0.04,500:0.04,reset:0.04,lost:0.03,gateway:0.03,slow:0.02,malformed:0.02';
  const faulty = await startEmulator({ args: ['--port', '0', '--build-ms', '300', '--boot-ms', '50', '--slow-ms', '1500', '--latency-ms', '0..5', '--seed', '42', '--faults', faults] });
  try {
    cpSync(join(root, 'tests', 'soak', 'soak.test.mjs'), join(scratch, 'soak.test.mjs'));
    await suite(`soak (500 operations, faults ${faults})`, 'node', ['--test', '--test-reporter=tap', 'soak.test.mjs'], nodeCounts, {
      cwd: scratch,
      env: { ...process.env, SOAK_URL: faulty.url },
    });
  } finally {
    await faulty.stop();
  }
}

/**
 * The contract (api/openapi.yaml): Redocly's linter, then every copy of the
 * API checked against it, then Schemathesis against the emulator's bin.
 */
async function contract() {
  await suite('contract: Redocly lint of api/openapi.yaml', 'node', [join(root, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js'), 'lint', '--config', 'api/redocly.yaml', 'api/openapi.yaml', '--format', 'stylish'], (output) => {
    const problems = Number(output.match(/(\d+) errors?/)?.[1] ?? 0);
    return /valid|no problems/i.test(output) && problems === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: Math.max(problems, 1) };
  });
  await suite('contract: every copy of the API checked against it', 'node', ['--test', '--test-reporter=tap', ...filesOf('contract', ['tests/contract/copies.test.mjs', 'tests/contract/types.test.mjs'])], nodeCounts);
  if (chosen?.get('contract')) return; // a file of the suite was asked for, not Schemathesis
  let st;
  try {
    st = ensureSchemathesis();
  } catch (e) {
    // Python or PyPI missing fails this suite, named, and the run goes on.
    if (!(e instanceof StepError)) throw e;
    results.push({ name: 'contract: Schemathesis against npx instavm-emulator', passed: 0, failed: 1, ok: false, note: e.message });
    return;
  }
  await suite('contract: Schemathesis against npx instavm-emulator', 'node', ['tests/contract/schemathesis.mjs', st], nodeCounts);
}

async function main() {
  chosen = selection(process.argv.slice(2));
  if (['wasm', 'ecosystem', 'demo', 'keyless'].some(wants)) ensureChromium();

  // Native: the pure core and the emulator.
  if (wants('cargo')) await suite('cargo test (core, emulator)', 'cargo', ['test', '--workspace'], cargoCounts);
  if (Object.keys(SUITES).every((name) => name === 'cargo' || !wants(name))) return;

  build();

  // After the build, which installs the wasm target: the client's platform,
  // client and api layers exist only on wasm32, so clippy looks there too.
  if (wants('clippy')) {
    ensureClippy();
    await clippy('cargo clippy (workspace, native)', ['--workspace']);
    await clippy('cargo clippy (client and emulator, wasm32)', ['--target', 'wasm32-unknown-unknown', '-p', 'instavm-wasm', '-p', 'instavm-emulator-wasm']);
  }

  // The wasm itself, in Node, in Chromium and in a dedicated worker.
  if (wants('wasm')) {
    await suite('wasm-bindgen-test in Node', 'cargo', wasmTestArgs, cargoCounts, wasmTest({}));
    const chrome = { WASM_BINDGEN_USE_BROWSER: '1', CHROMEDRIVER: '/usr/bin/chromedriver' };
    await suite('wasm-bindgen-test in Chromium', 'cargo', wasmTestArgs, cargoCounts, wasmTest(chrome));
    // One mode at a time: the runner refuses USE_BROWSER together with a worker mode.
    await suite('wasm-bindgen-test in a dedicated worker', 'cargo', wasmTestArgs, cargoCounts, wasmTest({ CHROMEDRIVER: '/usr/bin/chromedriver', WASM_BINDGEN_USE_DEDICATED_WORKER: '1' }));
  }

  if (wants('size')) await suite('package size budget', 'node', ['--test', 'tests/size.test.mjs'], nodeCounts);

  if (wants('contract')) await contract();

  if (!['package', 'e2e', 'ecosystem', 'soak', 'demo', 'keyless'].some(wants)) return;
  const needsScratch = ['package', 'e2e', 'ecosystem', 'soak'].some(wants);
  const scratch = needsScratch ? testProject() : undefined;
  if (wants('package')) {
    await suite('package checks (publint, attw, tsc, bundles, import circles)', 'node', ['--test', '--test-reporter=tap', ...filesOf('package', ['tests/package/checks.test.mjs', 'tests/package/imports.test.mjs'])], nodeCounts, {
      env: { ...process.env, SCRATCH: scratch },
    });
  }
  if (['e2e', 'ecosystem', 'soak', 'demo'].some(wants)) {
    // One emulator serves the API and, on the same origin, the demo page.
    const emulator = await startEmulator({ args: ['--port', '0', '--build-ms', '1500', '--boot-ms', '300', '--static', 'www', '--static', '/pkg=pkg'] });
    try {
      if (wants('e2e')) {
        const files = filesOf('e2e', ['snapshots', 'ensure', 'testing', 'vms', 'readme', 'hostile', 'reliability', 'lost-answers', 'bin', 'first-contact', 'proxy', 'proxy-owners', 'watching'].map((f) => `${f}.test.mjs`));
        await suite('end to end (packed package vs emulator)', 'node', ['--test', '--test-reporter=tap', ...files.map((f) => f.split('/').pop())], nodeCounts, {
          cwd: scratch,
          env: { ...process.env, INSTAVM_BASE_URL: emulator.url },
        });
      }
      if (wants('ecosystem')) await ecosystem(scratch, emulator.url);
      if (wants('soak')) await soak(scratch);
      if (wants('demo')) {
        await suite('demo page (Playwright, Chromium)', 'node', ['--test', '--test-reporter=tap', 'tests/demo/demo.test.mjs'], nodeCounts, {
          env: { ...process.env, DEMO_URL: emulator.url },
        });
      }
    } finally {
      await emulator.stop();
    }
  }
  // npm start's server: the page and instavm-wasm/proxy in front of an emulator of its own.
  if (wants('keyless')) await suite('demo page, keyless via proxy (Playwright)', 'node', ['--test', '--test-reporter=tap', 'tests/demo/keyless.test.mjs'], nodeCounts);
}

try {
  await main();
} catch (e) {
  if (!(e instanceof StepError)) throw e;
  console.error(`\nnpm test stopped: ${e.message}`);
  results.push({ name: 'setup', passed: 0, failed: 1, ok: false, note: e.message });
}

console.log('\n=== summary');
for (const r of results) {
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(44)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ${r.note}`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0) + results.filter((r) => !r.ok && r.failed === 0).length;
console.log(`${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
