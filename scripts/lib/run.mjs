// Running commands from the project's scripts: output streams through, and a
// failure names the command that failed.
import { spawnSync, spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// cargo install puts tools here; a fresh shell may not have it on PATH yet.
const cargoBin = join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin');
if (!(process.env.PATH ?? '').split(':').includes(cargoBin)) {
  process.env.PATH = `${cargoBin}:${process.env.PATH ?? ''}`;
}

export class StepError extends Error {}

/** Runs a command, inheriting stdio; throws StepError when it fails. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error?.code === 'ENOENT') throw new StepError(`${cmd} was not found on PATH: ${opts.missing ?? 'install it and retry'}`);
  if (r.status !== 0) throw new StepError(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** Runs a command and returns its stdout (stderr streams through), or null when it cannot run. */
export function capture(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });
  if (r.error) return null;
  return { status: r.status, stdout: r.stdout };
}

/** Runs a command, teeing its output; resolves with { status, output }. */
export function tee(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let output = '';
    const onData = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    child.on('error', (e) => reject(e.code === 'ENOENT' ? new StepError(`${cmd} was not found on PATH`) : e));
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** Prints a banner line for a step. */
export function step(title) {
  console.log(`\n=== ${title}`);
}
