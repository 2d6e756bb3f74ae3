// `npm run bench`: measurements, not tests. Builds the release package (and
// with it the emulator's bin), measures side by side in one run, prints a table and writes
// bench/results.json (not committed). Figures are medians over repeats.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { root, run, capture, step } from './lib/run.mjs';
import { build, sizes } from './lib/build.mjs';
import { startEmulator } from './lib/emulator.mjs';
import { scratchProject } from './lib/scratch.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const bin = (name) => join(root, 'node_modules', '.bin', name);
const results = { machine: { cpu: cpus()[0]?.model, cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() } };

build();
run('cargo', ['build', '-q', '--release', '--example', 'poll_cost']);

// A scratch project with the packed tarball, as users install it.
const scratch = scratchProject('bench');
cpSync(join(root, 'bench'), scratch, { recursive: true, filter: (src) => !src.endsWith('results.json') });

// ---- size
step('size');
const s = sizes();
// A browser loads two files: the wasm and web.js (the wasm-bindgen glue and
// the JS layer bundled into one minified module).
results.size = {
  wasm: s['instavm_wasm_bg.wasm'],
  web_entry: s['web.js'],
  node_entry: s['node.js'],
  browser_total_gzip: s['instavm_wasm_bg.wasm'].gzip + s['web.js'].gzip,
  proxy: s['proxy.js'],
};

const emulator = await startEmulator({ args: ['--port', '0', '--build-ms', '5000', '--boot-ms', '100'] });
const base = emulator.url;
try {
  // ---- cold start
  step('cold start (15 fresh processes per runtime and variant)');
  const runtimes = { Node: [process.execPath], Deno: [bin('deno'), 'run', '-A'], Bun: [bin('bun')] };
  results.cold_start_ms = {};
  for (const [name, cmd] of Object.entries(runtimes)) {
    const once = (plain) => {
      const r = spawnSync(cmd[0], [...cmd.slice(1), 'cold-start.mjs'], { cwd: scratch, encoding: 'utf8', env: { ...process.env, INSTAVM_BASE_URL: base, COLD_PLAIN: plain ? '1' : '0', DENO_DIR: join(scratch, '.deno') } });
      const m = r.stdout.match(/COLD ([\d.]+) ([\d.]+)/);
      if (!m) throw new Error(`${name} cold start printed: ${r.stdout}${r.stderr}`);
      return { sent: Number(m[1]), answered: Number(m[2]) };
    };
    once(false);
    const client = [];
    const plain = [];
    for (let i = 0; i < 15; i++) {
      client.push(once(false));
      plain.push(once(true));
    }
    const side = (runs, k) => median(runs.map((x) => x[k]));
    const figure = (k) => ({ client: side(client, k), plain_fetch: side(plain, k), added: side(client, k) - side(plain, k) });
    results.cold_start_ms[name] = figure('sent');
    results.cold_start_to_answer_ms ??= {};
    results.cold_start_to_answer_ms[name] = figure('answered');
  }
  {
    const { build: esbuild } = await import('esbuild');
    const { Miniflare } = await import('miniflare');
    const out = join(scratch, 'worker-out');
    for (const entry of ['worker-cold.js', 'worker-plain.js']) {
      await esbuild({ entryPoints: [join(scratch, entry)], bundle: true, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], loader: { '.wasm': 'copy' }, outdir: join(out, entry.replace('.js', '')), logLevel: 'error' });
    }
    const startAndCall = async (entry) => {
      const t0 = performance.now();
      const mf = new Miniflare({ modules: true, scriptPath: join(out, entry, `${entry}.js`), modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }, { type: 'CompiledWasm', include: ['**/*.wasm'] }], compatibilityDate: '2026-07-01' });
      await (await mf.dispatchFetch(`http://localhost/?base=${encodeURIComponent(base)}`)).text();
      const ms = performance.now() - t0;
      await mf.dispose();
      return ms;
    };
    const client = [];
    const plain = [];
    for (let i = 0; i < 6; i++) {
      client.push(await startAndCall('worker-cold'));
      plain.push(await startAndCall('worker-plain'));
    }
    // workerd's own start-up dominates both; the difference is the package's cost.
    results.cold_start_ms.workerd = { client: median(client), plain_fetch: median(plain), added: median(client) - median(plain), note: 'includes starting workerd itself, for both' };
  }

  // ---- instavm-wasm/testing: the in-process emulator's start-up and size
  step('createEmulator() to first answer (15 fresh Node processes)');
  {
    const runs = (warm) => {
      const out = [];
      for (let i = 0; i < 16; i++) {
        const r = spawnSync(process.execPath, ['emulator-start.mjs'], { cwd: scratch, encoding: 'utf8', env: { ...process.env, WARM: warm ? '1' : '0' } });
        const m = r.stdout.match(/EMULATOR ([\d.]+) ([\d.]+) ([\d.]+)/);
        if (!m) throw new Error(`emulator start printed: ${r.stdout}${r.stderr}`);
        if (i > 0) out.push({ first_answer: Number(m[1]), create: Number(m[2]) });
      }
      return out;
    };
    const [cold, warm] = [runs(false), runs(true)];
    results.testing_entry = {
      wasm: s['instavm_emulator_bg.wasm'],
      web_entry: s['testing-web.js'],
      first_answer_ms: median(cold.map((r) => r.first_answer)),
      first_answer_fetch_loaded_ms: median(warm.map((r) => r.first_answer)),
      create_emulator_ms: median(warm.map((r) => r.create)),
    };
  }

  // ---- in-process measurements (Node, --expose-gc)
  step('per-call overhead, large list, memory, polling, concurrency (one Node process)');
  const r = spawnSync(process.execPath, ['--expose-gc', 'in-process.mjs'], { cwd: scratch, encoding: 'utf8', env: { ...process.env, INSTAVM_BASE_URL: base }, maxBuffer: 1 << 26 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULTS '));
  if (!line) throw new Error(`in-process bench failed:\n${r.stdout}\n${r.stderr}`);
  Object.assign(results, JSON.parse(line.slice(8)));

  // ---- polling, computed with the pure schedule
  const cost = capture(join(root, 'target', 'release', 'examples', 'poll_cost'), ['5000', '60000', '600000']);
  results.polling.computed = cost.stdout.trim().split('\n').map((l) => JSON.parse(l));
} finally {
  await emulator.stop();
}

mkdirSync(join(root, 'bench'), { recursive: true });
writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
printTable(results);

function printTable(r) {
  const f = (n, d = 1) => (typeof n === 'number' ? n.toFixed(d) : String(n));
  const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
  const rows = [
    ['size: .wasm', `${kb(r.size.wasm.raw)} raw, ${kb(r.size.wasm.gzip)} gzip`],
    ['size: web.js (glue + JS layer, minified)', `${kb(r.size.web_entry.raw)} raw, ${kb(r.size.web_entry.gzip)} gzip`],
    ['size: node.js (the same, readable)', `${kb(r.size.node_entry.raw)} raw, ${kb(r.size.node_entry.gzip)} gzip`],
    ['size: total a browser downloads', `${kb(r.size.browser_total_gzip)} gzip`],
    ...Object.entries(r.cold_start_ms).map(([k, v]) => [`cold start to first request: ${k}`, `${f(v.client)} ms vs plain fetch ${f(v.plain_fetch)} ms (+${f(v.added)} ms)`]),
    ...Object.entries(r.cold_start_to_answer_ms).map(([k, v]) => [`cold start to first answer: ${k}`, `${f(v.client)} ms vs plain fetch ${f(v.plain_fetch)} ms (+${f(v.added)} ms)`]),
    ['per-call: one get against fetch(url, init) with a timeout', `ratio ${f(r.per_call.ratio_to_floor_init, 3)} of the sums (+${f(r.per_call.added_us_over_floor_init, 0)} µs per call); of the medians ${f(r.per_call.ratio_to_floor_init_of_medians, 3)} (${f(r.per_call.median_us.client, 0)} vs ${f(r.per_call.median_us.floor_init, 0)} µs)`],
    ['per-call overhead: 2000 x get', `${f(r.per_call.client_ms, 0)} ms vs plain ${f(r.per_call.plain_ms, 0)} ms, ratio ${f(r.per_call.ratio, 3)}`],
    ['per-call overhead: added per call over plain fetch', `${f(r.per_call.added_us_per_call, 0)} µs`],
    ['per-call floor: fetch(url, init) with a signal and a timer', `${f(r.per_call.floor_init_ms, 0)} ms, ratio ${f(r.per_call.floor_init_ratio, 3)} to plain`],
    ['per-call floor: fetch(new Request(...)) with a signal and a timer', `${f(r.per_call.floor_ms, 0)} ms, ratio ${f(r.per_call.floor_ratio, 3)} to plain`],
    ['instavm-wasm/testing: emulator wasm', `${kb(r.testing_entry.wasm.raw)} raw, ${kb(r.testing_entry.wasm.gzip)} gzip (testing-web.js ${kb(r.testing_entry.web_entry.gzip)} gzip)`],
    ['instavm-wasm/testing: createEmulator() to first answer, Node', `${f(r.testing_entry.first_answer_fetch_loaded_ms)} ms once Node's fetch classes are loaded, ${f(r.testing_entry.first_answer_ms)} ms when the first answer also loads them (createEmulator() itself ${f(r.testing_entry.create_emulator_ms)} ms)`],
    ['instavm-wasm/proxy: size of proxy.js', `${kb(r.size.proxy.raw)} raw, ${kb(r.size.proxy.gzip)} gzip`],
    ...['get', 'update'].map((what) => {
      const p = r.proxy[what];
      const call = what === 'get' ? 'snapshots.get' : 'vms.update';
      return [`instavm-wasm/proxy: 1000 x ${call}, direct / through it / with owner`, `${f(p.direct_ms, 0)} / ${f(p.proxied_ms, 0)} / ${f(p.owner_ms, 0)} ms: +${f(p.added_us_per_call, 0)} µs, +${f(p.owner_added_us_per_call, 0)} µs with owner`];
    }),
    ['list of 10 000 records', `${f(r.large_list.client_ms)} ms vs plain ${f(r.large_list.plain_ms)} ms, ratio ${f(r.large_list.ratio, 3)}`],
    ['memory across 10 000 calls: wasm', `${kb(r.memory.wasm_before)} -> ${kb(r.memory.wasm_after)}`],
    ['memory across 10 000 calls: JS heap', `${f(r.memory.heap_before / 2 ** 20)} MB -> ${f(r.memory.heap_after / 2 ** 20)} MB`],
    ...r.polling.computed.map((p) => [`polling, ${p.build_ms / 1000} s build: ${p.schedule}`, `${f(p.requests)} requests, detected ${f(p.mean_detection_delay_ms / 1000, 2)} s late on average (max ${f(p.max_detection_delay_ms / 1000, 2)} s)`]),
    ['polling, real 5 s build vs the emulator', `${r.polling.real.requests} requests, detected ${f(r.polling.real.detection_delay_ms / 1000, 2)} s late`],
    ['500 concurrent waitUntilReady', `client CPU ${f(r.concurrency.cpu_ms, 0)} ms, wall ${f(r.concurrency.wall_ms / 1000, 2)} s to the last (builds take 5 s)`],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  console.log(`\n${'measure'.padEnd(w)} | result\n${'-'.repeat(w)}-|-${'-'.repeat(60)}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(w)} | ${v}`);
  console.log(`\nmachine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memory_gib} GiB, Node ${r.machine.node}; written to bench/results.json`);
}
