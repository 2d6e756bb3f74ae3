// Every public method, option, record and error class, used as a typed
// program would. Must compile under `tsc --strict --noEmit`.
import {
  InstaVM,
  init,
  InstaVMError,
  AuthenticationError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  ValidationError,
  RateLimitError,
  ServerError,
  NetworkError,
  TimeoutError,
  SnapshotBuildFailedError,
  Image,
  type EnsuredSnapshot,
  type EnsureOptions,
  type Snapshot,
  type Vm,
  type ClientOptions,
  type CreateSnapshotParams,
  type WaitOptions,
  type Volume,
} from 'instavm-wasm';
import { createEmulator, type Emulator, type EmulatedRequest } from 'instavm-wasm/testing';

export async function everything(): Promise<void> {
  await init();
  const options: ClientOptions = {
    apiKey: 'instavm_sk_x',
    baseUrl: 'http://127.0.0.1:8787',
    timeoutMs: 5_000,
    maxRetries: 1,
    fetch: (request) => fetch(request),
    headers: { 'X-Trace': '1' },
  };
  const client = new InstaVM(options);
  const bare = new InstaVM('instavm_sk_x');
  void bare;

  const params: CreateSnapshotParams = {
    oci_image: 'docker.io/library/python:3.11-slim',
    name: 'n',
    vcpu_count: 2,
    memory_mb: 1024,
    type: 'system',
    build_args: {
      extra_apt_packages: 'git ffmpeg',
      extra_pip_packages: ['numpy'],
      extra_npm_packages: null,
      git_clone_url: 'https://example.com/r.git',
      git_clone_branch: 'main',
      disk_size_gb: 3,
      envs: { A: 'b' },
      post_build_cmd: 'true',
      template_app_cmd: 'python app.py',
    },
  };
  const signal: AbortSignal = AbortSignal.timeout(1000);
  const created: Snapshot = await client.snapshots.create(params, { signal, timeoutMs: 100 });
  const waited: Snapshot = await client.snapshots.create(params, { wait: true, pollIntervalMs: 100, onStatus: (s) => void s.status });
  const wait: WaitOptions = { signal, timeoutMs: 1, pollIntervalMs: 1, maxPollIntervalMs: 2, onStatus: (s: Snapshot) => console.log(s.id) };
  const ready: Snapshot = await client.snapshots.waitUntilReady(created.id, wait);
  for await (const s of client.snapshots.watch(ready.snapshot_id)) {
    const status: string = s.status;
    void status;
  }
  const list: Snapshot[] = await client.snapshots.list({ type: 'user', extra: 1 });
  const one: Snapshot = await client.snapshots.get(list[0]?.id ?? waited.id);
  await client.snapshots.delete(one.id);

  const image: Image = Image.from('docker.io/library/python:3.11-slim')
    .aptInstall('git', 'curl')
    .pipInstall('numpy')
    .npmInstall()
    .gitClone('https://github.com/example/repo.git', { branch: 'main' })
    .env({ APP_ENV: 'prod' })
    .run('make')
    .disk(2);
  const fingerprint: string = image.fingerprint({ vcpu_count: 2 });
  const asParams: CreateSnapshotParams = image.toParams({ name: 'py', memory_mb: 1024, type: 'user' });
  const fromImage: Snapshot = await client.snapshots.create(image, { name: 'py', wait: true, signal });
  const ensureOptions: EnsureOptions = { name: 'py', vcpu_count: 2, rebuildFailed: false, signal, timeoutMs: 1000, onStatus: (s) => void s.status };
  const ensured: EnsuredSnapshot = await client.snapshots.ensure(image, ensureOptions);
  const fromParams: EnsuredSnapshot = await client.snapshots.ensure(asParams, { name: 'py' });
  const reused: boolean = ensured.reused && fromParams.reused;
  image.free();
  void fingerprint;
  void fromImage;
  void reused;

  const vm: Vm = await client.vms.create({}, true);
  const vm2: Vm = await client.vms.create(
    {
      vcpu_count: 2,
      memory_mb: 2048,
      vm_lifetime_seconds: 600,
      image_variant: 'nix-dev',
      metadata: { team: 'a' },
      volumes: [{ volume_id: 'v', mount_path: '/d', mode: 'ro', checkpoint_id: 'c' }],
      egress_policy: { allow_https: true, allowed_domains: ['example.com'], allowed_cidrs: ['10.0.0.0/8'] },
    },
    { wait: true, timeoutMs: 10_000, onStatus: (v) => void v.vm_id },
  );
  const running: Vm[] = await client.vms.list();
  const all: Vm[] = await client.vms.listAll({ signal });
  await client.vms.get(vm.vm_id);
  await client.vms.update(vm.vm_id, { memory_mb: 4096, auto_suspend: true });
  const snap: Snapshot = await client.vms.snapshot(vm.vm_id, { name: 'python-ml-environment' }, true);
  void (snap.snapshot_id || snap.id);
  const twin: Vm = await client.vms.clone(vm2.id, { snapshot_name: 's' }, { wait: true });
  await client.vms.suspend(twin.vm_id, { wait: true });
  const resumed: Vm = await client.vms.resume(twin.vm_id, true);
  void resumed.resumed_from;
  const staged: { success: true } = await client.vms.stageEnv(vm.vm_id, { TOKEN: 'x' });
  void staged;
  const mounted: Volume = await client.vms.mountVolume(vm.vm_id, { volume_id: 'v', mount_path: '/data' }, false);
  const volumes: Volume[] = await client.vms.listVolumes(vm.vm_id);
  await client.vms.unmountVolume(vm.vm_id, mounted.volume_id, { mount_path: '/data', wait: true });
  await client.vms.delete(vm.vm_id);
  void running;
  void all;
  void volumes;
}

export async function testing(): Promise<number> {
  const emu: Emulator = await createEmulator({ buildMs: 300, bootMs: 100, faults: { 429: 0.1, reset: 0.05 }, seed: 7, latencyMs: [0, 5] });
  const client = new InstaVM({ apiKey: 'test', baseUrl: emu.baseUrl, fetch: emu.fetch });
  await client.snapshots.list();
  emu.advance(1000);
  const log: EmulatedRequest[] = emu.requests('test');
  emu.close();
  return log.length;
}

export function handle(e: unknown): string {
  if (e instanceof SnapshotBuildFailedError) return `${e.snapshot.id} ${e.lastError ?? ''}`;
  if (e instanceof TimeoutError) return e.snapshot?.status ?? e.vm?.status ?? 'timeout';
  if (e instanceof ValidationError) return e.field ?? '';
  if (e instanceof RateLimitError) return String(e.retryAfterMs ?? 0);
  if (e instanceof AuthenticationError || e instanceof ForbiddenError || e instanceof NotFoundError) return String(e.status);
  if (e instanceof ConflictError || e instanceof ServerError || e instanceof NetworkError) return e.message;
  if (e instanceof InstaVMError) return `${e.status ?? ''} ${e.requestId ?? ''} ${String(e.body)}`;
  return 'unknown';
}
