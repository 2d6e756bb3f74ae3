// Installs what building and testing need, on a machine that starts with only
// rustup, Node/npm and apt: the wasm target, the pinned wasm-bindgen-cli and
// the npm packages. Each step is skipped when already satisfied.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { root, run, capture, step, StepError } from './run.mjs';

/** The wasm-bindgen version pinned in Cargo.toml (`=X.Y.Z`). */
export function pinnedWasmBindgen() {
  const toml = readFileSync(join(root, 'Cargo.toml'), 'utf8');
  const m = toml.match(/^wasm-bindgen\s*=\s*(?:\{\s*version\s*=\s*)?"=([0-9.]+)"/m);
  if (!m) throw new StepError('Cargo.toml must pin wasm-bindgen exactly (wasm-bindgen = "=X.Y.Z")');
  return m[1];
}

export function ensureRust() {
  if (!capture('cargo', ['--version'])) {
    throw new StepError('cargo was not found: install Rust with rustup (https://rustup.rs), then retry');
  }
  const targets = capture('rustup', ['target', 'list', '--installed']);
  if (!targets) throw new StepError('rustup was not found: the wasm32-unknown-unknown target is installed through rustup');
  if (!targets.stdout.split('\n').includes('wasm32-unknown-unknown')) {
    step('installing the wasm32-unknown-unknown Rust target');
    run('rustup', ['target', 'add', 'wasm32-unknown-unknown']);
  }
}

/** Clippy, which `npm test` runs with the workspace's panic lints; rustup's minimal profile leaves it out. */
export function ensureClippy() {
  if (capture('cargo', ['clippy', '--version'])?.status === 0) return;
  step('installing clippy (rustup component add clippy)');
  run('rustup', ['component', 'add', 'clippy'], { missing: 'install Rust with rustup' });
}

export function ensureWasmBindgen() {
  const want = pinnedWasmBindgen();
  const have = capture('wasm-bindgen', ['--version'])?.stdout.trim();
  if (have === `wasm-bindgen ${want}`) return;
  step(`installing wasm-bindgen-cli ${want} (found: ${have || 'none'}); takes a few minutes once`);
  const install = ['install', 'wasm-bindgen-cli', '--version', want, '--force'];
  // --locked: the dependency versions wasm-bindgen-cli was released with.
  // A registry that lacks one of them (a partial mirror, or a version yanked
  // since) cannot resolve that lock; the newest compatible versions are then
  // the only way to build it. Cargo's output above says which failure it was;
  // any failure gets the one retry, which the run announces.
  try {
    run('cargo', [...install, '--locked'], { missing: 'install Rust with rustup' });
    return;
  } catch (e) {
    if (!(e instanceof StepError) || /not found on PATH/.test(e.message)) throw e;
    step(`cargo install --locked failed (above): installing wasm-bindgen-cli ${want} with the newest compatible dependencies instead`);
  }
  run('cargo', install, { missing: 'install Rust with rustup' });
}

export function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  step('installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund'], { missing: 'install Node.js and npm' });
}

/** Debian's Chromium and ChromeDriver, for the browser suites (never a downloaded browser). */
export function ensureChromium() {
  if (existsSync('/usr/bin/chromium') && existsSync('/usr/bin/chromedriver')) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !capture('apt-get', ['--version'])) {
    throw new StepError('Chromium is missing: install Debian\'s chromium and chromium-driver (apt-get install -y chromium chromium-driver), then retry');
  }
  step('installing Chromium and ChromeDriver (apt-get install chromium chromium-driver)');
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'chromium-driver'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

export function ensureAll() {
  ensureRust();
  ensureWasmBindgen();
  ensureNodeModules();
}

/** Schemathesis, the version the contract suite was written against, from PyPI. */
const SCHEMATHESIS = '4.32.5';

/**
 * Schemathesis in a virtual environment of the project's own
 * (`.tmp/schemathesis`), made with the machine's Python 3; returns its `st`.
 */
export function ensureSchemathesis() {
  const venv = join(root, '.tmp', 'schemathesis');
  const st = join(venv, 'bin', 'st');
  const have = existsSync(st) ? capture(st, ['--version'])?.stdout ?? '' : '';
  if (have.includes(SCHEMATHESIS)) return st;
  const python = ['python3', 'python'].find((p) => capture(p, ['--version'])?.status === 0);
  if (!python) throw new StepError('Python 3 was not found: the contract suite runs Schemathesis, from PyPI (apt-get install -y python3 python3-venv), then retry');
  step(`installing Schemathesis ${SCHEMATHESIS} from PyPI into .tmp/schemathesis`);
  if (!existsSync(join(venv, 'bin', 'pip'))) {
    run(python, ['-m', 'venv', venv], { missing: 'Python 3 with its venv module (apt-get install -y python3-venv)' });
  }
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS}`]);
  return st;
}
