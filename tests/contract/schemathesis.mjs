// The emulator as users run it (`npx instavm-emulator`, the package's bin),
// proven against api/openapi.yaml by Schemathesis: generated requests, valid
// and not, each answer checked against the contract (no 5xx, every answer
// its schema, every request that breaks the schema refused with a 4xx), and
// the stateful phase following the contract's links (create, then get,
// update, snapshot, delete what was made). Prints `# pass N` (the cases it
// generated and passed) and `# fail N` (its JUnit report's failures) for
// `npm test`'s count.
//
// usage: node tests/contract/schemathesis.mjs <path to st>
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../../scripts/lib/emulator.mjs';
import { CONTRACT_PATH, root } from './contract.mjs';

const st = process.argv[2];
if (!st) throw new Error('usage: node tests/contract/schemathesis.mjs <path to st>');

const reports = join(root, '.tmp', 'schemathesis-report');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const junit = join(reports, 'junit.xml');

const bin = await startEmulator({ args: ['--port', '0', '--build-ms', '100', '--boot-ms', '20'] });
// Every check and every phase (examples, coverage, fuzzing, stateful) is on
// by default; api/schemathesis.toml turns off only what it names, each with
// the emulator behaviour that is the reason. (`--checks all` would override it.)
const args = [
  '--config-file', join('api', 'schemathesis.toml'),
  'run', CONTRACT_PATH,
  '--url', bin.url,
  '--header', 'X-API-Key: instavm_sk_schemathesis',
  '--max-examples', process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '50',
  '--seed', '1',
  '--report', 'junit', '--report-junit-path', junit,
  '--no-color',
];
console.log(`st ${args.join(' ')}`);
let output = '';
const status = await new Promise((resolve) => {
  // From the repository root: the configuration names its hook by a path from there.
  const child = spawn(st, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' } });
  child.stdout.on('data', (c) => {
    output += c;
    process.stdout.write(c);
  });
  child.once('exit', resolve);
});
await bin.stop();

// The cases Schemathesis generated and passed (its summary line); the
// failures are the JUnit report's, one per operation or scenario that failed.
const passed = Number(output.match(/(\d+) generated, (\d+) passed/)?.[2] ?? 0);
const xml = readFileSync(junit, 'utf8');
const failed = (xml.match(/<(failure|error)\b/g) ?? []).length || (status === 0 ? 0 : 1);
console.log(`# pass ${passed}`);
console.log(`# fail ${failed}`);
process.exit(status === 0 && failed === 0 && passed > 0 ? 0 : 1);
