// One scenario, run unchanged in every runtime: it uses only what all of them
// share (fetch, timers, AbortSignal), never a runtime's own modules.
// Returns { passed, failed, results } so each runtime can report its count.
// Each runtime runs it against the emulator server and against
// `instavm-wasm/testing`'s in-process emulator (see `withEmulator`); Node,
// Deno, Bun and workerd also run it keyless (`apiKey: null`) through
// `instavm-wasm/proxy`, which holds the key.

const FAST = { pollIntervalMs: 150, maxPollIntervalMs: 400, timeoutMs: 30_000 };

export async function scenario({ pkg, baseUrl, apiKey, fetch }) {
  const results = [];
  const check = (name, ok, detail = '') => results.push({ name, ok: Boolean(ok), detail: ok ? '' : String(detail) });
  const rejection = (p) => p.then(() => null, (e) => e);
  const { InstaVM } = pkg;
  try {
    check('the package exports every error class', ['InstaVMError', 'NotFoundError', 'ValidationError', 'SnapshotBuildFailedError', 'TimeoutError'].every((n) => typeof pkg[n] === 'function'));
    // A secret key in a page is refused unless the page says it is its own alone (servers, workerd's and Deno's workers included, are not pages).
    const inPage = typeof document !== 'undefined';
    if (apiKey) {
      let refused = null;
      try {
        new InstaVM({ apiKey, baseUrl });
      } catch (e) {
        refused = e;
      }
      if (inPage) check('in a page, a secret key without dangerouslyAllowBrowser is refused, pointing to the proxy', refused instanceof pkg.ValidationError && refused.code === 'secret_key_in_browser' && /instavm-wasm\/proxy/.test(refused.message), String(refused));
      else check('outside a page (a server, a Worker), a secret key is the normal case', refused === null, String(refused));
    }
    // `fetch`: the in-process emulator's, when the run uses one. The key is the test's own, in a page of the test's own.
    const client = new InstaVM({ apiKey, baseUrl, ...(fetch ? { fetch } : {}), ...(apiKey ? { dangerouslyAllowBrowser: true } : {}) });

    const created = await client.snapshots.create({
      oci_image: 'docker.io/library/python:3.11-slim',
      name: 'ecosystem',
      vcpu_count: 2,
      memory_mb: 1024,
      type: 'user',
      build_args: { extra_apt_packages: 'git', extra_pip_packages: ['numpy', 'pandas'], disk_size_gb: 2, envs: { APP_ENV: 'test' }, post_build_cmd: 'echo ok' },
    });
    check('create answers with both id fields', created.id && created.snapshot_id === created.id, JSON.stringify(created));
    check('package arrays are sent as strings', created.build_args?.extra_pip_packages === 'numpy pandas', JSON.stringify(created.build_args));

    const seen = [];
    const ready = await client.snapshots.waitUntilReady(created.id, { ...FAST, onStatus: (s) => seen.push(s.status) });
    check('onStatus sees pending, building, ready in order', seen.join() === 'pending,building,ready', seen.join());
    check('the wait resolves with the ready snapshot', ready.status === 'ready' && ready.size_bytes > 0, JSON.stringify(ready));

    const got = await client.snapshots.get(created.id);
    check('get returns the record', got.id === created.id && got.name === 'ecosystem', JSON.stringify(got));
    const listed = await client.snapshots.list({ type: 'user' });
    check('list with a type filter includes it', listed.some((s) => s.id === created.id), JSON.stringify(listed));

    await client.snapshots.delete(created.id);
    const gone = await rejection(client.snapshots.get(created.id));
    check('a deleted snapshot is a NotFoundError', gone instanceof pkg.NotFoundError && gone.status === 404, gone);

    const failed = await rejection(client.snapshots.create({ oci_image: 'registry.example.invalid/app:1' }, { wait: true, ...FAST }));
    check('a failing build is a SnapshotBuildFailedError with last_error', failed instanceof pkg.SnapshotBuildFailedError && /could not be/.test(failed.lastError), failed);

    const invalid = await rejection(client.snapshots.create({ oci_image: 'alpine', vcpu_count: 9 }));
    check('bad input is a ValidationError naming the field', invalid instanceof pkg.ValidationError && invalid.field === 'vcpu_count', invalid);

    const statuses = [];
    const watched = await client.snapshots.create({ oci_image: 'alpine' });
    for await (const s of client.snapshots.watch(watched.id, FAST)) statuses.push(s.status);
    check('watch yields each status and ends', statuses.join() === 'pending,building,ready', statuses.join());

    // A page loads the wasm on first use; Image runs in it synchronously.
    await pkg.init();
    const image = pkg.Image.from('docker.io/library/python:3.11-slim').aptInstall('git', 'curl').env({ RUN: (apiKey ?? 'keyless').replace(/\W/g, '_') }).run('echo ok');
    const reordered = pkg.Image.from('docker.io/library/python:3.11-slim').run('echo ok').aptInstall('curl', 'git', 'git').env({ RUN: (apiKey ?? 'keyless').replace(/\W/g, '_') });
    check('an Image fingerprints its spec, not the call order', /^[0-9a-f]{64}$/.test(image.fingerprint()) && image.fingerprint() === reordered.fingerprint(), image.fingerprint());
    const built = await client.snapshots.ensure(image, { name: 'eco', ...FAST });
    const again = await client.snapshots.ensure(reordered, { name: 'eco', ...FAST });
    check('ensure builds once, then reuses the ready snapshot', built.status === 'ready' && !built.reused && again.reused && again.id === built.id && built.name === `eco-${image.fingerprint().slice(0, 12)}`, JSON.stringify([built, again]));

    const vm = await client.vms.create({}, true);
    check('a VM is created live', vm.status === 'active' && vm.id === vm.vm_id, JSON.stringify(vm));
    const vmSnap = await client.vms.snapshot(vm.vm_id, { name: 'ecosystem-vm' }, { wait: true, ...FAST });
    check('a VM snapshot resolves once ready', vmSnap.status === 'ready' && (vmSnap.snapshot_id || vmSnap.id), JSON.stringify(vmSnap));
    await client.vms.delete(vm.vm_id);
    check('a deleted VM is terminated', (await client.vms.get(vm.vm_id)).status === 'terminated');
  } catch (e) {
    check('the scenario ran to its end', false, e?.stack ?? e);
  }
  return { passed: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, results };
}

/**
 * Runs the scenario against the server at `baseUrl`, or, with `inProcess`,
 * against `createEmulator()` from `instavm-wasm/testing`, whose base URL does
 * not resolve: a request that escaped to the network would fail.
 */
export async function withEmulator({ pkg, loadTesting, baseUrl, apiKey, inProcess }) {
  if (!inProcess) return scenario({ pkg, baseUrl, apiKey });
  const { createEmulator } = await loadTesting();
  const emu = await createEmulator({ buildMs: 1500, bootMs: 300 });
  try {
    return await scenario({ pkg, baseUrl: emu.baseUrl, apiKey, fetch: emu.fetch });
  } finally {
    emu.close();
  }
}
