// Serving a script under Deno or Bun for the end-to-end tests: the runtimes
// the repository's setup installs (node_modules/.bin above the scratch
// project), and a child process that prints `LISTENING <url>` once it listens.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The nearest node_modules/.bin/NAME above `from` (the repository's, above the scratch project). */
export function repoBin(from, name) {
  for (let dir = from; ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', name);
    if (existsSync(bin)) return bin;
    assert.notEqual(dirname(dir), dir, `node_modules/.bin/${name} not found above ${from}`);
  }
}

/**
 * Starts `cmd args` in `cwd`; resolves with the URL it prints once
 * listening. The child is stopped by the function pushed onto `closers`.
 */
export function startServing(cmd, args, { cwd, env, closers }) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  closers.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd}: no LISTENING line within 30 s:\n${out}`)), 30_000);
    child.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/^LISTENING (http:\/\/\S+)$/m);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.on('data', (c) => (out += c));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}) before listening:\n${out}`));
    });
  });
}
