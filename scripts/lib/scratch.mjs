// An empty project with the packed package installed, as a user would have
// it: `npm pack`, then `npm install ./instavm-wasm-*.tgz` with no scripts.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, run } from './run.mjs';

/** Makes `.tmp/NAME` afresh and installs the tarball there; returns its path. */
export function scratchProject(name) {
  const dir = join(root, '.tmp', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run('npm', ['pack', '--silent', '--pack-destination', dir]);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', `./${tarball}`], { cwd: dir, stdio: 'ignore' });
  return dir;
}
