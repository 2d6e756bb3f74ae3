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
  type Acknowledgement,
  type DeleteResult,
  type EnsuredSnapshot,
  type EnsureOptions,
  type ReadySnapshot,
  type Snapshot,
  type Vm,
  type ClientOptions,
  type CreateSnapshotParams,
  type WaitOptions,
  type Volume,
  type WithExtraFields,
  type RetryInfo,
  type ErrorCode,
} from 'instavm-wasm';
import { createEmulator, type Emulator, type EmulatedRequest } from 'instavm-wasm/testing';

// This file compiles without @types/node; the environment as Node types it.
declare const process: { env: Record<string, string | undefined> };

export async function everything(): Promise<void> {
  await init();
  const options: ClientOptions = {
    apiKey: 'instavm_sk_x',
    baseUrl: 'http://127.0.0.1:8787',
    timeoutMs: 5_000,
    maxRetries: 1,
    fetch: (url, init) => fetch(url, init),
    headers: { 'X-Trace': '1' },
  };
  const client = new InstaVM(options);
  // The key alone, or nothing at all: INSTAVM_API_KEY and INSTAVM_BASE_URL
  // come from the environment (string | undefined, as Node types it).
  const bare = [
    new InstaVM('instavm_sk_x'),
    new InstaVM(process.env.INSTAVM_API_KEY),
    new InstaVM(),
    new InstaVM({}),
    new InstaVM(undefined),
    new InstaVM({ baseUrl: process.env.INSTAVM_BASE_URL }),
    new InstaVM({ apiKey: process.env.INSTAVM_API_KEY, baseUrl: 'http://127.0.0.1:8787' }),
  ];
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
      template_app_cwd: '/app',
    },
  };
  const signal: AbortSignal = AbortSignal.timeout(1000);
  const created: Snapshot = await client.snapshots.create(params, { signal, timeoutMs: 100, extraBody: { labels: { team: 'a' } } });
  const waited: ReadySnapshot = await client.snapshots.create(params, { wait: true, pollIntervalMs: 100, onStatus: (s) => void s.status, extraBody: { priority: 1 } });
  const wait: WaitOptions = { signal, timeoutMs: 1, pollIntervalMs: 1, maxPollIntervalMs: 2, onStatus: (s: Snapshot) => console.log(s.id) };
  const ready: ReadySnapshot = await client.snapshots.waitUntilReady(created.id, wait);
  // A field this version does not name is still there, read through WithExtraFields.
  const newField: unknown = (ready as WithExtraFields<ReadySnapshot>).a_field_of_tomorrow;
  void newField;
  const watched = await client.snapshots.waitUntilReady(created.id, { maxOutageMs: 60_000, onRetry: (r: RetryInfo) => console.log(r.attempt, r.error.code, r.delayMs) });
  void watched;
  const uiClient = new InstaVM({ apiKey: null, baseUrl: '/instavm', onRetry: ({ attempt, method, path }) => console.log(attempt, method, path), dangerouslyAllowBrowser: false });
  void uiClient;
  const branch = (e: InstaVMError): string => {
    const code: ErrorCode = e.code;
    switch (code) {
      case 'unauthenticated':
        return 'sign in';
      case 'rate_limited':
        return 'slow down';
      default:
        return code;
    }
  };
  void branch;
  // A waited-for snapshot is known to be ready, with no check at run time.
  const readyStatus: 'ready' = (await client.snapshots.waitUntilReady(created.id)).status;
  const waitedStatus: 'ready' = waited.status;
  const plain: Snapshot = ready;
  void readyStatus;
  void waitedStatus;
  void plain;
  const runtimeWait: Snapshot = await client.snapshots.create(params, { wait: Math.random() > 0.5 });
  void runtimeWait;
  for await (const s of client.snapshots.watch(ready.snapshot_id)) {
    const status: string = s.status;
    if (s.status === 'failed') void s.last_error;
    void status;
  }
  const list: Snapshot[] = await client.snapshots.list({ type: 'user' }, { extraQuery: { limit: 10, public: false, owner: 'me' } });
  const all: Snapshot[] = await client.snapshots.list(null, { signal });
  const one: Snapshot = await client.snapshots.get(list[0]?.id ?? all[0]?.id ?? waited.id);
  const deleted: DeleteResult = await client.snapshots.delete(one.id);
  void (deleted.success ?? deleted.status);

  const image: Image = Image.from('docker.io/library/python:3.11-slim')
    .aptInstall('git', 'curl')
    .aptInstall(['ffmpeg'])
    .pipInstall('numpy')
    .pipInstall(['pandas', 'scipy'], 'polars')
    .pipInstall(['a', 'b'] as const)
    .npmInstall()
    .gitClone('https://github.com/example/repo.git', { branch: 'main' })
    .env({ APP_ENV: 'prod' })
    .run('make')
    .disk(2);
  const fingerprint: string = image.fingerprint({ vcpu_count: 2 });
  const asParams: CreateSnapshotParams = image.toParams({ name: 'py', memory_mb: 1024, type: 'user' });
  const fromImage: ReadySnapshot = await client.snapshots.create(image, { name: 'py', wait: true, signal });
  const fromImageNow: Snapshot = await client.snapshots.create(image, { name: 'py', vcpu_count: 2, extraBody: { note: 'x' } });
  void fromImageNow;
  const ensureOptions: EnsureOptions = { name: 'py', vcpu_count: 2, rebuildFailed: false, signal, timeoutMs: 1000, onStatus: (s) => void s.status };
  const ensured: EnsuredSnapshot = await client.snapshots.ensure(image, ensureOptions);
  const fromParams: EnsuredSnapshot = await client.snapshots.ensure(asParams, { name: 'py' });
  const reused: boolean = ensured.reused && fromParams.reused;
  const ensuredReady: ReadySnapshot = ensured;
  const ensuredStatus: 'ready' = fromParams.status;
  void ensuredReady;
  void ensuredStatus;
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
    { wait: true, timeoutMs: 10_000, onStatus: (v) => void v.vm_id, extraBody: { gpu: 'none' } },
  );
  const running: Vm[] = await client.vms.list();
  const allVms: Vm[] = await client.vms.listAll({ signal });
  await client.vms.get(vm.vm_id);
  const updated: Acknowledgement = await client.vms.update(vm.vm_id, { memory_mb: 4096, auto_suspend: true }, { extraBody: { labels: ['x'] } });
  void updated;
  const snap: ReadySnapshot = await client.vms.snapshot(vm.vm_id, { name: 'python-ml-environment' }, true);
  void (snap.snapshot_id || snap.id);
  const snapNow: Snapshot = await client.vms.snapshot(vm.vm_id, { name: 'n' }, { wait: false, extraBody: { tag: 't' } });
  void snapNow;
  const twin: Vm = await client.vms.clone(vm2.id, { snapshot_name: 's' }, { wait: true, extraBody: { region: 'eu' } });
  await client.vms.suspend(twin.vm_id, { wait: true });
  const resumed: Vm = await client.vms.resume(twin.vm_id, true);
  void resumed.resumed_from;
  const staged: { success: true } = await client.vms.stageEnv(vm.vm_id, { TOKEN: 'x' });
  void staged;
  const mounted: Volume = await client.vms.mountVolume(vm.vm_id, { volume_id: 'v', mount_path: '/data' }, false);
  await client.vms.mountVolume(vm.vm_id, { volume_id: 'v', mount_path: '/ro', mode: 'ro' }, { wait: true, extraBody: { cache: true } });
  const volumes: Volume[] = await client.vms.listVolumes(vm.vm_id);
  await client.vms.unmountVolume(vm.vm_id, mounted.volume_id, { mount_path: '/data', wait: true });
  await client.vms.unmountVolume(vm.vm_id, mounted.volume_id, { mount_path: mounted.mount_path });
  await client.vms.delete(vm.vm_id);
  void running;
  void allVms;
  void volumes;
}

export async function testing(): Promise<number> {
  const emu: Emulator = await createEmulator({ buildMs: 300, bootMs: 100, faults: { 429: 0.1, reset: 0.05, lost: 0.05, gateway: 0.05 }, seed: 7, latencyMs: [0, 5], idempotency: false });
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
  // A create whose answer was lost, and whose lookup could not tell: what to check.
  if (e instanceof InstaVMError && e.mayHaveActed) return (e.candidates ?? []).map((c) => ('vm_id' in c ? c.vm_id : 'id' in c ? c.id : c.volume_id)).join(' ');
  if (e instanceof NetworkError) return `${e.message} ${String(e.cause)}`;
  if (e instanceof ConflictError || e instanceof ServerError) return e.message;
  if (e instanceof InstaVMError) return `${e.status ?? ''} ${e.requestId ?? ''} ${String(e.body)}`;
  return 'unknown';
}

// A test may fake a failure with the package's own classes.
export function fake(): InstaVMError[] {
  return [
    new ValidationError('vcpu_count: must be from 1 to 8', { field: 'vcpu_count' }),
    new NetworkError('the server could not be reached', { cause: new TypeError('fetch failed') }),
    new RateLimitError('Rate limit exceeded (429)', { status: 429, retryAfterMs: 100, requestId: 'req_1' }),
  ];
}

// The proxy: a handler from standard Request to Response, and its Node listener.
export async function proxied(env: { INSTAVM_API_KEY: string }): Promise<Response> {
  const { createProxy, toNodeListener } = await import('instavm-wasm/proxy');
  type ProxyErrorCode = import('instavm-wasm/proxy').ProxyErrorCode;
  const proxy = createProxy({
    apiKey: env.INSTAVM_API_KEY,
    prefix: '/instavm',
    allow: ['snapshots.list', 'snapshots.ensure', 'vms.*'],
    authorize: async (request, { operation, ids, query }) => request.headers.has('cookie') && operation !== 'vms.delete' && !ids.includes('vm_prod') && query.wait !== 'false',
    owner: (request) => request.headers.get('x-user'),
    sharedSnapshots: 'system',
    origin: 'https://app.example',
    allowedOrigins: ['https://admin.example'],
  });
  const open = createProxy({ apiKey: env.INSTAVM_API_KEY, authorize: 'public', allow: ['snapshots.list'], origin: ['https://a.example', 'https://b.example'] });
  void open;
  const codes = createProxy({
    apiKey: undefined,
    authorize: (request) => (request.headers.has('cookie') ? true : request.headers.has('authorization') ? 401 : Response.json({ login: '/login' }, { status: 401 })),
    onError: (error, { operation, request }) => console.error(operation, request.url, error),
  });
  void codes;
  const code: ProxyErrorCode = 'origin_not_allowed';
  void code;
  void toNodeListener(proxy);
  const keyless = new InstaVM({ apiKey: null, baseUrl: '/instavm' });
  void keyless;
  return proxy(new Request('https://app.example/instavm/v1/snapshots'));
}
