// Starting the emulator for tests, `npm start` and the bench: the package's
// own bin (`npx instavm-emulator`, pkg/instavm-emulator.js, made by the
// build), started on the requested port (0 = any free one), ready once it
// prints its one line. One server for users and for this repository.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root } from './run.mjs';

export const emulatorBin = join(root, 'pkg', 'instavm-emulator.js');

/** Starts the emulator; resolves with { url, child, stop } once it listens. */
export function startEmulator({ args = [], inheritOutput = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [emulatorBin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('the emulator did not start listening within 20 s'));
    }, 20_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (code ${code}) before listening`));
    });
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const m = buffered.match(/^instavm-emulator listening on (http:\/\/\S+)$/m);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        if (inheritOutput) child.stdout.pipe(process.stdout);
        else child.stdout.resume();
        const stop = () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGINT');
          });
        resolve({ url: m[1], child, stop });
      }
    });
  });
}
