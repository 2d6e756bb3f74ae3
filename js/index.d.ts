// Types of the instavm-wasm package: the one declaration of its public
// surface, shared by every entry (browser, Node ESM and CommonJS, Deno, Bun,
// Workers). The comments are what an editor shows on hover, so each one says
// what a call sends and what it rejects with.
//
// Options and parameters have no index signatures on purpose: the client
// refuses unknown keys before sending anything, and the types refuse them
// first, so a typo (`vcpus`, `baseURL`) fails to compile rather than at run
// time. Records the server returns (`Snapshot`, `Vm`, `Volume`) have no
// index signature either, so `snapshot.stauts` fails to compile; the fields
// this version does not know are still there at run time, read through
// `WithExtraFields<Snapshot>`. Fields the client does not model yet go out
// through `extraBody` / `extraQuery`, on the calls that take them. Methods return promises: their `@throws` tags name what the
// promise rejects with.

// ---------------------------------------------------------------------------
// Shared shapes

/**
 * A record with the fields this version of the types does not name: the
 * server may send more than `Snapshot`, `Vm` or `Volume` declare, and they
 * are passed through untouched. `(snapshot as WithExtraFields<Snapshot>).new_field`.
 */
export type WithExtraFields<T> = T & { readonly [key: string]: unknown };

/** Who owns a snapshot: `user` (yours) or `system` (provided by InstaVM). */
export type SnapshotType = 'user' | 'system';

/**
 * A build's status. `pending` and `building` are in progress, `ready` can boot
 * VMs, `failed` and `error` are final failures. The client compares them
 * case-insensitively.
 */
export type SnapshotStatus = 'pending' | 'building' | 'ready' | 'failed' | 'error';

/**
 * Package names: one space-separated string, or an array of names (sent as
 * the space-separated string the API expects). A name holding whitespace or a
 * shell character (`; & | < > ( ) $` and the like) is refused; pin versions
 * with `==` or `~=`.
 */
export type PackageList = string | readonly string[];

/**
 * A JSON object sent as it is, for API fields this client does not know yet.
 * It is deep-merged into the request body after the known fields are checked,
 * and is itself not checked (beyond being JSON).
 */
export type ExtraBody = { readonly [key: string]: unknown };

/** Query parameters appended as they are, for filters this client does not know yet. */
export type ExtraQuery = { readonly [key: string]: string | number | boolean };

/** Per-call options accepted by every method. */
export interface RequestOptions {
  /** Aborts the call; it then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** This request's timeout in milliseconds, overriding the client's `timeoutMs`. Past it: `TimeoutError`. */
  timeoutMs?: number;
}

/** Per-call options of a method whose request body can carry fields the client does not know. */
export interface ExtraBodyOptions extends RequestOptions {
  /** JSON merged into the request body after validation, sent unchecked: the escape hatch for new API fields. */
  extraBody?: ExtraBody;
}

/**
 * Options of a wait that polls a record until it reaches a status
 * (`waitUntilReady`, `watch`, `create(..., { wait: true })`, VM waits).
 *
 * The interval starts at `pollIntervalMs` and grows 1.5x per poll up to
 * `maxPollIntervalMs` (less up to 20% jitter). Network errors, 429s and 5xx
 * during the wait are retried until the deadline.
 */
export interface WaitOptionsFor<T> {
  /** Aborts the wait at once (no further request); it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Deadline of the whole wait in milliseconds, default 30 minutes; past it: `TimeoutError`. */
  timeoutMs?: number;
  /** First interval between polls in milliseconds, default 1000. */
  pollIntervalMs?: number;
  /** Ceiling of the interval in milliseconds, default 5000 (never below `pollIntervalMs`). */
  maxPollIntervalMs?: number;
  /** Called once per status change, with the record as it was polled. */
  onStatus?: (record: T) => void;
  /**
   * Called when a poll failed (network error, timeout, 429, 5xx) and the
   * wait will poll again after `delayMs`: `attempt` counts the failures in a
   * row (it starts again at 1 after a poll that worked), `error` is the
   * failure. For a UI's "reconnecting…": show it here, clear it at the next
   * `onStatus` or when the wait settles. A throw rejects the wait with it.
   */
  onRetry?: (retry: RetryInfo) => void;
  /**
   * End the wait once polls have failed this long in a row, in
   * milliseconds, rejecting with the last failure (its message says so),
   * rather than retrying until `timeoutMs`. Default: until the deadline.
   */
  maxOutageMs?: number;
}

/** What `onRetry` is told before a retry. */
export interface RetryInfo {
  /** Which retry this is: 1 for the first after a failure. */
  attempt: number;
  /** The failure that is retried. */
  error: InstaVMError;
  /** How long the client waits before trying again, in milliseconds. */
  delayMs: number;
  /** For the client's `onRetry`: the request's method. */
  method?: string;
  /** For the client's `onRetry`: the request's path (`/v1/snapshots/snap_1`). */
  path?: string;
}

/** Options of a wait on a snapshot build. */
export interface WaitOptions extends WaitOptionsFor<Snapshot> {}

// ---------------------------------------------------------------------------
// Snapshots

/** `build_args` of `snapshots.create`: what the build adds to the OCI image. */
export interface BuildArgs {
  /** apt packages installed in the image. */
  extra_apt_packages?: PackageList | null;
  /** pip packages installed in the image (`numpy==2.*`, `pkg[extra]` allowed). */
  extra_pip_packages?: PackageList | null;
  /** npm packages installed globally in the image. */
  extra_npm_packages?: PackageList | null;
  /** A git repository cloned into `/app/repo`. */
  git_clone_url?: string | null;
  /** The branch of `git_clone_url` to clone. */
  git_clone_branch?: string | null;
  /** Disk size, 1..3 GB (larger values are refused: the API would silently cap them at 3). */
  disk_size_gb?: number | null;
  /** Environment variables baked into the image: names of letters, digits and `_`, string values. */
  envs?: Record<string, string> | null;
  /** A shell command run after everything else, e.g. `pip install -r /app/repo/requirements.txt`. */
  post_build_cmd?: string | null;
  /** The command of a template app, as the official SDK sends it. */
  template_app_cmd?: string | null;
  /** The working directory of `template_app_cmd`. */
  template_app_cwd?: string | null;
}

/**
 * The body of `POST /v1/snapshots`. `null` for an optional field means the
 * server's default (the field is left out). Unknown keys are refused with a
 * `ValidationError` suggesting the intended one (`snapshot_type` -> `type`).
 */
export interface CreateSnapshotParams {
  /** The OCI image to build from, e.g. `docker.io/library/python:3.11-slim`. Required. */
  oci_image: string;
  /** A display name (not unique; `ensure` derives one from the spec's fingerprint). */
  name?: string | null;
  /** vCPUs of VMs booted from it, 1..8; the server's default is 2. */
  vcpu_count?: number | null;
  /** Memory of VMs booted from it, 128..8192 MB; the server's default is 512. */
  memory_mb?: number | null;
  /** `user` (default) or `system`. */
  type?: SnapshotType | null;
  /** What the build installs, clones and runs. */
  build_args?: BuildArgs | null;
}

/**
 * A snapshot record as the server sent it. The client fills both `id` and
 * `snapshot_id`, and both `type` and `snapshot_type`, from whichever the
 * server sent; every other field passes through untouched.
 */
export interface Snapshot {
  /** The snapshot's id (the same value as `snapshot_id`). */
  id: string;
  /** The same value as `id`, as the official SDK names it. */
  snapshot_id: string;
  /** Where the build is; see {@link SnapshotStatus}. */
  status: SnapshotStatus;
  /** The same value as `snapshot_type`. */
  type?: SnapshotType;
  /** The same value as `type`. */
  snapshot_type?: SnapshotType;
  /** The name given at create (`ensure` adds 12 hex of the fingerprint). */
  name?: string | null;
  /** The OCI image it was built from. */
  oci_image?: string;
  /** The built image's size, once known. */
  size_bytes?: number | null;
  /** ISO 8601 creation time. */
  created_at?: string;
  /** Why a `failed` build failed. */
  last_error?: string | null;
  /** The same text as `last_error`, under the name some servers use. */
  error?: string | null;
  /** Whether other accounts can boot from it (system snapshots). */
  is_public?: boolean;
  /** vCPUs of VMs booted from it. */
  vcpu_count?: number;
  /** Memory of VMs booted from it, in MB. */
  memory_mb?: number;
  /** The build arguments as the server stored them (package lists as space-separated strings). */
  build_args?: (BuildArgs & { [key: string]: unknown }) | null;
  /** For a snapshot of a VM (`vms.snapshot`, a clone's): the VM it was taken from. */
  source_vm_id?: string;
}

/**
 * A snapshot whose build is done: what `waitUntilReady`, `create(..., { wait:
 * true })`, `vms.snapshot(..., true)` and `ensure` resolve with.
 */
export interface ReadySnapshot extends Snapshot {
  /** Always `ready` here: the build is done. */
  status: 'ready';
}

/** A snapshot handed back by `ensure`: ready, and whether this call built it. */
export interface EnsuredSnapshot extends ReadySnapshot {
  /**
   * `true` when this call started no build: a ready snapshot of the spec was
   * found, another caller's build was joined, or the server answered the
   * create with `Idempotent-Replayed: true`.
   */
  reused: boolean;
}

/** The query of `GET /v1/snapshots`. Unknown keys are refused: pass other filters in `extraQuery`. */
export interface ListSnapshotsQuery {
  /** Only `user` or only `system` snapshots; absent lists both. */
  type?: SnapshotType | null;
}

/** Per-call options of `snapshots.list`. */
export interface ListSnapshotsOptions extends RequestOptions {
  /** Query parameters appended as they are (`{ limit: 10 }` -> `&limit=10`), for filters the client does not know yet. */
  extraQuery?: ExtraQuery;
}

/** Options of `snapshots.create` without waiting: it resolves with the record as created (`pending`). */
export interface CreateSnapshotOptions extends ExtraBodyOptions {
  /** Absent or `false`: resolve as soon as the build is accepted. */
  wait?: false;
}

/**
 * Options of `snapshots.create(..., { wait: true })`: the build is followed
 * until `ready`. `timeoutMs` is the wait's deadline here; the create request
 * itself uses the client's timeout.
 */
export interface CreateSnapshotWaitOptions extends WaitOptions {
  /** `true`: resolve once the build is `ready`. */
  wait: true;
  /** JSON merged into the request body after validation, sent unchecked: the escape hatch for new API fields. */
  extraBody?: ExtraBody;
}

/**
 * What besides the build spec decides a snapshot, and so its fingerprint.
 * Absent means the server's default and is fingerprinted as absent, so
 * `vcpu_count: 2` is another spec than no `vcpu_count`.
 */
export interface ImageResources {
  /** 1..8; the server's default is 2. */
  vcpu_count?: number | null;
  /** 128..8192 MB; the server's default is 512. */
  memory_mb?: number | null;
  /** `user` (default) or `system`. */
  type?: SnapshotType | null;
}

/** `image.toParams(options)`: the resources and the name the create parameters get. */
export interface ImageParamsOptions extends ImageResources {
  /** The snapshot's name. */
  name?: string | null;
}

/** `snapshots.create(image, options)` without waiting. */
export interface CreateImageOptions extends CreateSnapshotOptions, ImageParamsOptions {}

/** `snapshots.create(image, { wait: true, ... })`: the build is followed until `ready`. */
export interface CreateImageWaitOptions extends CreateSnapshotWaitOptions, ImageParamsOptions {}

/** Options of `snapshots.ensure` with an `Image`: its resources, its name, and the wait. */
export interface EnsureOptions extends WaitOptions, ImageResources {
  /** The snapshot is named `<name>-<first 12 hex of the fingerprint>`; default `image`. */
  name?: string;
  /**
   * Build again when the only snapshots of this spec failed (default `true`);
   * `false` rejects with `SnapshotBuildFailedError` carrying the newest one.
   */
  rebuildFailed?: boolean;
}

/** Options of `snapshots.ensure` with plain parameters, which carry the resources themselves. */
export interface EnsureParamsOptions extends WaitOptions {
  /** The snapshot is named `<name>-<first 12 hex of the fingerprint>`; default the params' `name`, else `image`. */
  name?: string;
  /**
   * Build again when the only snapshots of this spec failed (default `true`);
   * `false` rejects with `SnapshotBuildFailedError` carrying the newest one.
   */
  rebuildFailed?: boolean;
}

/**
 * What a delete resolves with: the server's JSON answer when it sent an
 * object (the emulator sends `{ status: 'ok', id, deleted: true }`), or
 * `{ success: true }` when the answer had no body.
 */
export interface DeleteResult {
  /** Set by the client when the server answered with an empty body. */
  success?: true;
  /** The server's own acknowledgement, typically `'ok'`. */
  status?: string;
  /** The server may send other fields. */
  [key: string]: unknown;
}

/**
 * A declarative, immutable build spec. Every method checks its input at once,
 * by the rules of `snapshots.create`, throwing a `ValidationError` whose
 * `field` is the create field (`image.disk(9)` names
 * `build_args.disk_size_gb`), and returns a new `Image`; the receiver is
 * never changed. Pass it to `snapshots.create` or `snapshots.ensure`.
 *
 * In a page, `await init()` before the first `Image.from` (the class runs in
 * the wasm, which a page loads on first use); Node, Deno, Bun and Workers
 * load it on import.
 *
 * @example const image = Image.from('docker.io/library/python:3.11-slim').pipInstall('numpy').disk(2);
 */
export declare class Image {
  /** Not constructible: start from `Image.from(ociImage)`. */
  private constructor();
  /**
   * A spec building on this OCI image.
   * @param ociImage The image reference, e.g. `docker.io/library/python:3.11-slim`.
   * @throws {ValidationError} `oci_image` is empty or holds whitespace.
   * @throws {InstaVMError} In a page, when the wasm is not loaded yet (`await init()` first): code `wasm_not_loaded`.
   * @example Image.from('docker.io/library/node:22-slim')
   */
  static from(ociImage: string): Image;
  /**
   * Adds apt packages (`build_args.extra_apt_packages`). Names and arrays mix:
   * `aptInstall('git', 'curl')` is `aptInstall(['git', 'curl'])` is
   * `aptInstall(['git'], 'curl')`. Duplicates and order do not matter.
   * @throws {ValidationError} A name holding whitespace or a shell character.
   * @example image.aptInstall('git', 'ffmpeg')
   */
  aptInstall(...names: Array<string | readonly string[]>): Image;
  /**
   * Adds pip packages (`build_args.extra_pip_packages`); names and arrays mix
   * as in `aptInstall`. Pin with `==` or `~=` (`>=` would be a shell redirection).
   * @throws {ValidationError} A name holding whitespace or a shell character.
   * @example image.pipInstall('numpy', 'pandas==2.2.3')
   */
  pipInstall(...names: Array<string | readonly string[]>): Image;
  /**
   * Adds npm packages (`build_args.extra_npm_packages`); names and arrays mix
   * as in `aptInstall`.
   * @throws {ValidationError} A name holding whitespace or a shell character.
   * @example image.npmInstall(['playwright', 'typescript'])
   */
  npmInstall(...names: Array<string | readonly string[]>): Image;
  /**
   * Clones a repository into `/app/repo` (`build_args.git_clone_url` and `git_clone_branch`).
   * @throws {ValidationError} A URL or branch holding whitespace.
   * @example image.gitClone('https://github.com/example/app.git', { branch: 'main' })
   */
  gitClone(url: string, options?: { branch?: string }): Image;
  /**
   * Sets environment variables (`build_args.envs`), merged over earlier calls.
   * @throws {ValidationError} A name that is not letters, digits and `_`, or a value that is not a string.
   * @example image.env({ APP_ENV: 'prod' })
   */
  env(vars: Record<string, string>): Image;
  /**
   * Adds a command to `build_args.post_build_cmd`. Commands run in call order,
   * joined with ` && `; their order is part of the spec.
   * @throws {ValidationError} An empty or overlong command.
   * @example image.run('pip install -r /app/repo/requirements.txt')
   */
  run(command: string): Image;
  /**
   * Sets the disk size (`build_args.disk_size_gb`).
   * @param gb 1..3 (the API caps larger disks at 3, so they are refused).
   * @throws {ValidationError} Out of range or not an integer.
   */
  disk(gb: number): Image;
  /**
   * The plain `snapshots.create` parameters of this spec.
   * @param options `name`, `vcpu_count`, `memory_mb` and `type` of the snapshot.
   * @throws {ValidationError} An option out of range, or an unknown key.
   * @example const params = image.toParams({ name: 'app', memory_mb: 1024 });
   */
  toParams(options?: ImageParamsOptions): CreateSnapshotParams;
  /**
   * Lowercase hex SHA-256 of the spec's canonical form (package sets sorted,
   * env by name, run commands in order) and of the resources given: the same
   * spec always gives the same fingerprint, whatever the order of the calls.
   * `ensure` names snapshots by it.
   * @throws {ValidationError} A resource out of range, or an unknown key.
   * @example image.fingerprint({ vcpu_count: 2 }).slice(0, 12)
   */
  fingerprint(options?: ImageResources): string;
  /** Releases the spec's wasm memory now rather than when it is garbage-collected; the `Image` is unusable after. */
  free(): void;
}

/**
 * `client.snapshots`: build snapshots from OCI images, follow builds, list,
 * inspect and delete them. Every method also takes `signal` and `timeoutMs`
 * in its options, and checks its arguments before sending anything.
 */
export interface Snapshots {
  /**
   * Lists this key's snapshots: `GET /v1/snapshots`.
   * @param query `{ type: 'user' | 'system' }`, or nothing for both.
   * @param options `signal`, `timeoutMs`, and `extraQuery` for filters the client does not know.
   * @returns The records, each with both `id` and `snapshot_id`.
   * @throws {ValidationError} A bad `type`, an unknown query key or option.
   * @throws {AuthenticationError} The key was refused (401).
   * @throws {NetworkError} The server could not be reached.
   * @example const mine = await client.snapshots.list({ type: 'user' });
   */
  list(query?: ListSnapshotsQuery | null, options?: ListSnapshotsOptions): Promise<Snapshot[]>;
  // The overloads of a plain object come last: when none matches, tsc
  // reports the last one's error, which then names the misused field.
  /**
   * Starts a build from an `Image`: `POST /v1/snapshots` with
   * `image.toParams(options)`; `name`, `vcpu_count`, `memory_mb` and `type`
   * come from the options.
   * @throws {ValidationError} A bad or unknown option, before anything is sent.
   * @example await client.snapshots.create(image, { name: 'app', vcpu_count: 2 });
   */
  create(image: Image, options?: CreateImageOptions): Promise<Snapshot>;
  /**
   * Starts a build from an `Image` (`POST /v1/snapshots`) and polls `GET /v1/snapshots/{id}` until it is `ready`.
   * @throws {SnapshotBuildFailedError} The build ended `failed` or `error`.
   * @throws {TimeoutError} The wait's deadline passed.
   * @example const ready = await client.snapshots.create(image, { name: 'app', wait: true });
   */
  create(image: Image, options: CreateImageWaitOptions): Promise<ReadySnapshot>;
  /** `create` from an `Image` with `wait` known only at run time: resolves with the created or the ready snapshot. */
  create(image: Image, options?: CreateImageOptions | CreateImageWaitOptions): Promise<Snapshot>;
  /**
   * Starts a build (`POST /v1/snapshots`) and polls `GET /v1/snapshots/{id}`
   * until it is `ready`.
   * @param options `wait: true` with the options of `waitUntilReady` (its `timeoutMs` is the wait's deadline) and `extraBody`.
   * @returns The snapshot once `ready`.
   * @throws {SnapshotBuildFailedError} The build ended `failed` or `error`.
   * @throws {TimeoutError} The wait's deadline passed (`snapshot` is the last one seen).
   * @throws {ValidationError} A bad or unknown field or option, before anything is sent.
   * @example const ready = await client.snapshots.create(params, { wait: true, onStatus: (s) => console.log(s.status) });
   */
  create(params: CreateSnapshotParams, options: CreateSnapshotWaitOptions): Promise<ReadySnapshot>;
  /**
   * Starts a build: `POST /v1/snapshots`. After a lost answer (a dropped
   * connection, a timeout, a 500, 502 or 504, an unreadable 2xx) the build is
   * looked for among the snapshots made since the call began, by name and
   * spec: found, it is returned; shown absent, the create is sent again;
   * otherwise the call rejects with `mayHaveActed: true` and the
   * `candidates`, and is never sent again blindly.
   * @param params The image and its build; package arrays are sent as space-separated strings.
   * @param options `signal`, `timeoutMs`, `extraBody`.
   * @returns The new snapshot, usually `pending`.
   * @throws {ValidationError} A bad or unknown field (`field` names it), before anything is sent; or a 400/422.
   * @throws {ConflictError} The idempotency key was reused with another body (409).
   * @throws {RateLimitError} Still 429 after the retries.
   * @example const snap = await client.snapshots.create({ oci_image: 'docker.io/library/python:3.11-slim' });
   */
  create(params: CreateSnapshotParams, options?: CreateSnapshotOptions): Promise<Snapshot>;
  /** `create` with `wait` known only at run time: resolves with the created or the ready snapshot. */
  create(params: CreateSnapshotParams, options?: CreateSnapshotOptions | CreateSnapshotWaitOptions): Promise<Snapshot>;
  /**
   * A `ready` snapshot of exactly this spec, built at most once. Lists the
   * snapshots (`GET /v1/snapshots`) for one named
   * `<name>-<12 hex of the fingerprint>`: a ready one is returned with no
   * `POST`; a pending or building one is waited for; with none (or only failed
   * ones, unless `rebuildFailed: false`) it is created. Concurrent callers in
   * one process share one create; across processes every caller follows the
   * oldest build and deletes its own younger one. A lost answer or a
   * transient failure is followed by another listing until `timeoutMs`.
   * @param spec The `Image`; its resources and name come from the options.
   * @returns The ready snapshot, with `reused` saying whether this call built nothing.
   * @throws {SnapshotBuildFailedError} The build failed, or only failed ones exist and `rebuildFailed` is `false`.
   * @throws {TimeoutError} The wait's deadline passed.
   * @throws {ValidationError} A bad or unknown option, before anything is sent.
   * @example const snap = await client.snapshots.ensure(image, { name: 'app', vcpu_count: 2 });
   */
  ensure(spec: Image, options?: EnsureOptions): Promise<EnsuredSnapshot>;
  /**
   * `ensure` from plain create parameters, which carry the resources; they
   * fingerprint like the equivalent `Image`.
   * @throws {SnapshotBuildFailedError} The build failed, or only failed ones exist and `rebuildFailed` is `false`.
   * @throws {TimeoutError} The wait's deadline passed.
   * @throws {ValidationError} A bad or unknown field or option, before anything is sent.
   * @example const snap = await client.snapshots.ensure({ oci_image: 'alpine', build_args: { extra_apt_packages: 'git' } });
   */
  ensure(params: CreateSnapshotParams, options?: EnsureParamsOptions): Promise<EnsuredSnapshot>;
  /**
   * One snapshot: `GET /v1/snapshots/{id}` (the id percent-encoded as one path segment).
   * @throws {NotFoundError} No snapshot of this key has that id (404).
   * @throws {ValidationError} An empty id, `.` or `..`, before anything is sent.
   * @example const snap = await client.snapshots.get('snap_123');
   */
  get(id: string, options?: RequestOptions): Promise<Snapshot>;
  /**
   * Deletes a snapshot: `DELETE /v1/snapshots/{id}`. A retry that finds a 404
   * after a lost first answer counts as done.
   * @returns The server's answer, or `{ success: true }` for an empty one.
   * @throws {NotFoundError} No snapshot of this key has that id (404).
   * @throws {ValidationError} An empty id, `.` or `..`, before anything is sent.
   * @example await client.snapshots.delete(snap.id);
   */
  delete(id: string, options?: RequestOptions): Promise<DeleteResult>;
  /**
   * Polls `GET /v1/snapshots/{id}` (the first poll at once) until the build is
   * `ready`. Network errors, 429s and 5xx during the wait are retried until
   * the deadline.
   * @returns The snapshot once `ready`.
   * @throws {SnapshotBuildFailedError} The build ended `failed` or `error` (`lastError` says why).
   * @throws {TimeoutError} The deadline (`timeoutMs`, default 30 minutes) passed; `snapshot` is the last one seen.
   * @throws {NotFoundError} No snapshot of this key has that id.
   * @example const ready = await client.snapshots.waitUntilReady(id, { signal: AbortSignal.timeout(600_000) });
   */
  waitUntilReady(id: string, options?: WaitOptions): Promise<ReadySnapshot>;
  /**
   * Polls `GET /v1/snapshots/{id}` and yields the snapshot at each status
   * change. It ends after the final status, `ready` or `failed`/`error`,
   * which it yields rather than throws (use `waitUntilReady` for an
   * exception). Leaving the loop early stops the polling.
   * @throws {TimeoutError} The deadline passed (thrown by the iteration).
   * @example for await (const s of client.snapshots.watch(id)) console.log(s.status);
   */
  watch(id: string, options?: WaitOptions): AsyncGenerator<Snapshot, void, undefined>;
}

// ---------------------------------------------------------------------------
// VMs

/**
 * A VM's status. `active` (or `running`) is live; `creating`,
 * `provisioning`, `resuming` and `suspending` are in between; `suspended` is
 * parked; `failed`, `error`, `terminated`, `deleted` and `killed` are final.
 */
export type VmStatus =
  | 'active' | 'running' | 'creating' | 'provisioning' | 'suspending' | 'resuming' | 'suspended'
  | 'failed' | 'error' | 'terminated' | 'deleted' | 'killed';

/** A volume to mount in a VM (at create, or with `vms.mountVolume`). Unknown keys are refused. */
export interface VolumeMount {
  /** The volume's id. */
  volume_id: string;
  /** An absolute path inside the VM, e.g. `/data`. */
  mount_path: string;
  /** `rw` (default) or `ro`. */
  mode?: 'rw' | 'ro';
  /** A checkpoint of the volume to mount; only with `mode: 'ro'`. */
  checkpoint_id?: string;
}

/** What a VM may reach on the network. Unknown keys are refused. */
export interface EgressPolicy {
  /** Public package and code repositories. */
  allow_public_repos?: boolean;
  /** Plain HTTP to any host. */
  allow_http?: boolean;
  /** HTTPS to any host. */
  allow_https?: boolean;
  /** Domains the VM may reach, e.g. `example.com`. */
  allowed_domains?: readonly string[];
  /** Networks the VM may reach, in CIDR notation such as `10.0.0.0/8`. */
  allowed_cidrs?: readonly string[];
}

/** The body of `POST /v1/vms`. Every field is optional; unknown keys are refused (use `extraBody`). */
export interface CreateVmParams {
  /** How long the VM lives, 20..86400 seconds. */
  vm_lifetime_seconds?: number;
  /** 128..8192 MB, even. */
  memory_mb?: number;
  /** 1..8. */
  vcpu_count?: number;
  /** Boot from this snapshot; it must be `ready` (else the server answers 409). */
  snapshot_id?: string;
  /** A session to attach the VM to. */
  session_id?: string;
  /** A prepared image: `computer-use` or `nix-dev`. */
  image_variant?: 'computer-use' | 'nix-dev';
  /**
   * Your labels, a JSON object. The client adds `instavm_wasm_idempotency_key`
   * (this create's idempotency key) so that a retry after a lost answer finds
   * the VM instead of creating a second one.
   */
  metadata?: { [key: string]: unknown };
  /** Volumes mounted at boot. */
  volumes?: readonly VolumeMount[];
  /** What the VM may reach on the network. */
  egress_policy?: EgressPolicy;
  /** Vaults whose secrets the VM may read. */
  vault_ids?: readonly string[];
  /** Suspend the VM when idle. */
  auto_suspend?: boolean;
  /** Resume a suspended VM on demand. */
  auto_resume?: boolean;
  /** Snapshot the VM when it terminates, named `snapshot_name`. */
  snapshot_on_terminate?: boolean;
  /** The name of that snapshot. */
  snapshot_name?: string;
}

/** The body of `PATCH /v1/vms/{id}`: at least one field. Unknown keys are refused (use `extraBody`). */
export interface UpdateVmParams {
  /** 128..8192 MB, even. */
  memory_mb?: number;
  /** Snapshot the VM when it terminates, named `snapshot_name`. */
  snapshot_on_terminate?: boolean;
  /** The name of that snapshot; `null` clears it. */
  snapshot_name?: string | null;
  /** Vaults whose secrets the VM may read. */
  vault_ids?: readonly string[];
  /** Suspend the VM when idle. */
  auto_suspend?: boolean;
  /** Resume a suspended VM on demand. */
  auto_resume?: boolean;
}

/** The body of `POST /v1/vms/{id}/snapshot`. Unknown keys are refused. */
export interface VmSnapshotParams {
  /** The snapshot's name. */
  name?: string;
}

/** The body of `POST /v1/vms/{id}/clone`. Unknown keys are refused. */
export interface CloneVmParams {
  /** The name of the snapshot the clone is made through. */
  snapshot_name?: string;
}

/** A VM record. `vm_id` and `id` always carry the same value. */
export interface Vm {
  /** The VM's id. */
  vm_id: string;
  /** The same value as `vm_id`. */
  id: string;
  /** See {@link VmStatus}. */
  status: VmStatus;
  /** The session the VM belongs to. */
  session_id?: string;
  /** The snapshot it booted from. */
  snapshot_id?: string | null;
  /** ISO 8601 creation time. */
  created_at?: string;
  /** ISO 8601 time at which the VM's lifetime ends. */
  expires_at?: string;
  /** Where to reach it over SSH. */
  ssh_host?: string;
  /** Its vCPUs. */
  vcpu_count?: number;
  /** Its memory, in MB. */
  memory_mb?: number;
  /** Your labels, plus the client's `instavm_wasm_idempotency_key`. */
  metadata?: { [key: string]: unknown };
  /** On a VM minted by resume: the suspended VM it continues. */
  resumed_from?: string;
  /** On a suspended VM that was resumed: the VM that continues it. */
  resumed_as?: string;
  /** On a VM made by `clone`: the VM it was cloned from. */
  cloned_from?: string;
  /** ISO 8601 time at which it was deleted (a `terminated` record of `listAll`). */
  terminated_at?: string;
  /** Its lifetime, as asked at create. */
  vm_lifetime_seconds?: number;
  /** The image variant, as asked at create. */
  image_variant?: 'computer-use' | 'nix-dev';
  /** Whether it suspends when idle. */
  auto_suspend?: boolean;
  /** Whether it resumes on demand. */
  auto_resume?: boolean;
  /** Whether a snapshot is taken when it ends, and its name. */
  snapshot_on_terminate?: boolean;
  /** The name of the snapshot taken when it ends. */
  snapshot_name?: string | null;
  /** The volumes asked for at create. */
  volumes?: VolumeMount[];
  /** The network policy asked for at create. */
  egress_policy?: EgressPolicy;
  /** The vaults asked for at create or update. */
  vault_ids?: string[];
}

/** A volume mounted in a VM, as the server describes it. */
export interface Volume {
  /** The volume's id. */
  volume_id: string;
  /** Where it is mounted inside the VM. */
  mount_path: string;
  /** Read-write or read-only. */
  mode?: 'rw' | 'ro';
  /** E.g. `mounted`. */
  status?: string;
  /** The checkpoint mounted read-only, if one was. */
  checkpoint_id?: string;
}

/**
 * What a VM call with no record to return resolves with (update, delete,
 * unmount): the server's JSON answer when it sent an object (the emulator
 * sends `{ status: 'ok' }`), or `{ success: true }` when it had no body.
 */
export interface Acknowledgement {
  /** Set by the client when the server answered with an empty body. */
  success?: true;
  /** The server's own acknowledgement, typically `'ok'`. */
  status?: string;
  /** The server may send other fields. */
  [key: string]: unknown;
}

/** The options form of a VM call's `wait` argument: whether to wait, and the wait's options. */
export interface VmWaitOptions extends WaitOptionsFor<Vm> {
  /** Wait until the VM reaches the call's status (default `true`, but `false` for `suspend`). */
  wait?: boolean;
}

/** `wait` as the documented positional boolean, or the options form. */
export type VmWait = boolean | VmWaitOptions;

/** `vms.create` and `vms.clone` options: the wait's, and `extraBody`. */
export interface CreateVmOptions extends VmWaitOptions {
  /** JSON merged into the request body after validation, sent unchecked: the escape hatch for new API fields. */
  extraBody?: ExtraBody;
}

/** The options form of `vms.snapshot`'s `wait`: the wait polls the snapshot record. */
export interface VmSnapshotOptions extends WaitOptions {
  /** Wait until the snapshot is `ready` (default `true`). */
  wait?: boolean;
  /** JSON merged into the request body after validation, sent unchecked: the escape hatch for new API fields. */
  extraBody?: ExtraBody;
}

/** `vms.snapshot`'s `wait`: the positional boolean, or the options form. */
export type SnapshotWait = boolean | VmSnapshotOptions;

/** The options form of `vms.mountVolume`'s `wait`. */
export interface MountVolumeOptions extends ExtraBodyOptions {
  /** Ask the server to answer once the volume is mounted (default `true`). */
  wait?: boolean;
}

/** Options of `vms.unmountVolume`. */
export interface UnmountVolumeOptions extends RequestOptions {
  /** Where the volume is mounted (a volume may be mounted at several paths). Required. */
  mount_path: string;
  /** Ask the server to answer once the volume is unmounted (default `true`). */
  wait?: boolean;
}

/**
 * `client.vms`: create, inspect, snapshot, clone, suspend, resume and delete
 * VMs, stage env vars and mount volumes. Methods with a `wait` argument take
 * the documented positional boolean or an options object; arguments are
 * checked before anything is sent.
 */
export interface Vms {
  /**
   * Creates a VM: `POST /v1/vms?wait=...`, with an idempotency key also
   * recorded in `metadata`, so that after a lost answer (a 504, a dropped
   * connection) the VM is found by listing rather than created a second time.
   * @param body Resources, snapshot, volumes, egress policy, metadata.
   * @param wait `true` (default) resolves once the VM is live; or `{ wait, signal, timeoutMs, onStatus, extraBody, ... }`.
   * @throws {ValidationError} A bad or unknown field (`field` names it), before anything is sent; or a 400/422.
   * @throws {ConflictError} `snapshot_id` names a snapshot that is not ready (409).
   * @throws {InstaVMError} Waited for, the VM ended suspended or final (`vm` is its record).
   * @throws {TimeoutError} The wait's deadline passed.
   * @example const vm = await client.vms.create({ snapshot_id: snap.id }, true);
   */
  create(body?: CreateVmParams | null, wait?: boolean | CreateVmOptions): Promise<Vm>;
  /**
   * Running VMs: `GET /v1/vms`.
   * @example const running = await client.vms.list();
   */
  list(options?: RequestOptions): Promise<Vm[]>;
  /**
   * Every VM record, terminated ones too: `GET /v1/vms/`.
   * @example const all = await client.vms.listAll();
   */
  listAll(options?: RequestOptions): Promise<Vm[]>;
  /**
   * One VM: `GET /v1/vms/{id}`.
   * @throws {NotFoundError} No VM of this key has that id (404).
   * @example const vm = await client.vms.get(vmId);
   */
  get(vmId: string, options?: RequestOptions): Promise<Vm>;
  /**
   * Changes a VM: `PATCH /v1/vms/{id}`.
   * @param patch At least one field.
   * @param options `signal`, `timeoutMs`, `extraBody`.
   * @throws {ValidationError} An empty patch, a bad or unknown field, before anything is sent.
   * @throws {NotFoundError} No VM of this key has that id (404).
   * @example await client.vms.update(vm.vm_id, { memory_mb: 4096, auto_suspend: true });
   */
  update(vmId: string, patch: UpdateVmParams, options?: ExtraBodyOptions): Promise<Acknowledgement>;
  /**
   * Deletes a VM: `DELETE /v1/vms/{id}`. Its record stays in `listAll` as `terminated`.
   * @throws {NotFoundError} No VM of this key has that id (404).
   * @example await client.vms.delete(vm.vm_id);
   */
  delete(vmId: string, options?: RequestOptions): Promise<Acknowledgement>;
  /**
   * Snapshots a running VM: `POST /v1/vms/{id}/snapshot?wait=false`, then,
   * with `wait` (default), polls `GET /v1/snapshots/{id}` until it is ready,
   * so the wait can be cancelled with a `signal`.
   * @returns The snapshot record (both `id` and `snapshot_id`), `ready` when waited for.
   * @throws {SnapshotBuildFailedError} Waited for, the capture failed (even while the VM stays healthy).
   * @throws {TimeoutError} The wait's deadline passed.
   * @throws {ConflictError} The VM is not in a state that can be snapshotted (409).
   * @example const snap = await client.vms.snapshot(vm.vm_id, { name: 'python-ml-environment' }, true);
   */
  snapshot(vmId: string, body?: VmSnapshotParams | null, wait?: true | (VmSnapshotOptions & { wait?: true })): Promise<ReadySnapshot>;
  /** `snapshot` without waiting, or with `wait` known only at run time: resolves with the snapshot as the server answered. */
  snapshot(vmId: string, body?: VmSnapshotParams | null, wait?: SnapshotWait): Promise<Snapshot>;
  /**
   * Clones a VM: `POST /v1/vms/{id}/clone?wait=...`.
   * @param wait `true` (default) resolves once the new VM is live.
   * @returns The new VM.
   * @throws {NotFoundError} No VM of this key has that id (404).
   * @throws {TimeoutError} The wait's deadline passed.
   * @example const twin = await client.vms.clone(vm.vm_id, { snapshot_name: 'twin-base' });
   */
  clone(vmId: string, body?: CloneVmParams | null, wait?: boolean | CreateVmOptions): Promise<Vm>;
  /**
   * Suspends a VM: `POST /v1/vms/{id}/suspend`; the API answers `suspending`.
   * @param wait `false` by default (as the API); `true` polls until `suspended`.
   * @throws {ConflictError} The VM is not live (409).
   * @example await client.vms.suspend(vm.vm_id, { wait: true });
   */
  suspend(vmId: string, wait?: VmWait): Promise<Vm>;
  /**
   * Resumes a suspended VM: `POST /v1/vms/{id}/resume?wait=...`. The API
   * mints a **new** VM; its `resumed_from` names the suspended one, which ends
   * `terminated`.
   * @param wait `true` (default) resolves once the new VM is live.
   * @throws {ConflictError} The VM is not suspended (409).
   * @example const resumed = await client.vms.resume(vm.vm_id);
   */
  resume(vmId: string, wait?: VmWait): Promise<Vm>;
  /**
   * Stages environment variables in a VM: `POST /v1/vms/{id}/stage-env`. The
   * values are secrets: never returned, and scrubbed from every error.
   * @param env Names of letters, digits and `_` to string values; at least one.
   * @returns Always `{ success: true }` (the server's answer is not handed back).
   * @throws {ValidationError} A bad name or a value that is not a string (the value is never quoted).
   * @example await client.vms.stageEnv(vm.vm_id, { API_TOKEN: token });
   */
  stageEnv(vmId: string, env: Record<string, string>, options?: RequestOptions): Promise<{ success: true }>;
  /**
   * Mounts a volume: `POST /v1/vms/{id}/volumes?wait=...`.
   * @param volume `volume_id`, an absolute `mount_path`, `mode`, and `checkpoint_id` only with `mode: 'ro'`.
   * @param wait `true` (default) asks the server to answer once mounted; or `{ wait, signal, timeoutMs, extraBody }`.
   * @returns The mount as the server describes it.
   * @throws {ValidationError} A missing id, a relative path, a checkpoint without `mode: 'ro'`, an unknown key.
   * @throws {ConflictError} The VM is not live, or something is already mounted there (409).
   * @example await client.vms.mountVolume(vm.vm_id, { volume_id: 'vol_data', mount_path: '/data' });
   */
  mountVolume(vmId: string, volume: VolumeMount, wait?: boolean | MountVolumeOptions): Promise<Volume>;
  /**
   * The volumes mounted in a VM: `GET /v1/vms/{id}/volumes`.
   * @example const volumes = await client.vms.listVolumes(vm.vm_id);
   */
  listVolumes(vmId: string, options?: RequestOptions): Promise<Volume[]>;
  /**
   * Unmounts a volume from one path: `DELETE /v1/vms/{id}/volumes/{volumeId}?wait=...&mount_path=...`.
   * @param options `mount_path` (required), `wait` (default `true`), `signal`, `timeoutMs`.
   * @throws {NotFoundError} That volume is not mounted there (404).
   * @throws {ValidationError} A missing or bad `mount_path`, before anything is sent.
   * @example await client.vms.unmountVolume(vm.vm_id, 'vol_data', { mount_path: '/data' });
   */
  unmountVolume(vmId: string, volumeId: string, options: UnmountVolumeOptions): Promise<Acknowledgement>;
}

// ---------------------------------------------------------------------------
// The client

/**
 * Options of `new InstaVM(options)`. Unknown keys are refused with a
 * `ValidationError` suggesting the intended one (`baseURL` -> `baseUrl`).
 */
export interface ClientOptions {
  /**
   * The API key, sent as `X-API-Key`; never shown in an error, a message or a
   * log line, and kept inside the wasm. Absent, it is read from the
   * environment variable `INSTAVM_API_KEY`: `process.env` in Node and Bun,
   * `Deno.env` in Deno (which needs `--allow-env`). Browsers and Workers have
   * no ambient environment: pass it (in a Worker, `env.INSTAVM_API_KEY`).
   * `null` says there is none on purpose: a proxy in front of the API (such as
   * `instavm-wasm/proxy`) adds it, and no `X-API-Key` is sent.
   */
  apiKey?: string | null;
  /**
   * The API's origin, an absolute `http(s)` URL without `/v1` (the client adds
   * it); trailing slashes are removed. In a page, a path such as `/instavm`
   * is resolved against the page; with no page (a page's module prerendered
   * on a server), the client is still made and its first call rejects with
   * a `ValidationError` naming `baseUrl`. Absent: `INSTAVM_BASE_URL` from the
   * environment where there is one, else `https://api.instavm.io`.
   */
  baseUrl?: string;
  /** Timeout of each request in milliseconds, default 60 000. */
  timeoutMs?: number;
  /**
   * Retries of transient failures (network, 408, 429, 5xx), 0..10, default 2:
   * a call makes at most `maxRetries + 1` attempts in all, whatever fails. A
   * POST is sent again only after a 429 or 503, or once a lookup showed that
   * its lost answer made nothing.
   */
  maxRetries?: number;
  /**
   * A replacement for the global `fetch`, called as the standard
   * `fetch(url, init)` with `this` undefined: `init` carries the method,
   * headers (a `Headers` of this request's own, which a wrapper may add
   * to), body, `redirect: 'manual'` and the request's own abort signal. `createEmulator().fetch` and wrappers of the global `fetch`
   * fit here.
   */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Extra headers on every request; `X-API-Key` cannot be overridden. */
  headers?: Record<string, string>;
  /**
   * In a page or a browser worker, a secret key (`instavm_sk_...`) is
   * refused (a `ValidationError`, code `secret_key_in_browser`): everyone who
   * loads the page can read it. Keep the key on a server behind
   * `instavm-wasm/proxy` and pass `apiKey: null`; `true` here says the page
   * is yours alone (a local tool), and lets the key through.
   */
  dangerouslyAllowBrowser?: boolean;
  /**
   * Called before each retry of a request (within `maxRetries`) with
   * `{ attempt, error, delayMs, method, path }`: for a log line, or a UI's
   * "reconnecting…". A throw rejects the call with it. Waits take an
   * `onRetry` of their own for their polls.
   */
  onRetry?: (retry: RetryInfo) => void;
}

/**
 * The InstaVM client. Calls go to `{baseUrl}/v1/...` with the key as
 * `X-API-Key`; transient failures are retried, and a create whose answer was
 * lost is looked for before it is ever sent again, so no retry makes a
 * second snapshot or VM.
 *
 * @example const client = new InstaVM(process.env.INSTAVM_API_KEY);
 */
export declare class InstaVM {
  /**
   * Checks the options (at once in Node, Deno, Bun and Workers, where the wasm
   * loads on import; in a page before `init()`, on the first call).
   * @param options The API key alone (the base URL then comes from
   *   `INSTAVM_BASE_URL` or the default), or the options object. Absent (or
   *   `undefined`), `INSTAVM_API_KEY` and `INSTAVM_BASE_URL` are read from the
   *   environment; explicit options always win.
   * @throws {ValidationError} A bad or unknown option (`field` names it): no key
   *   anywhere (`apiKey`), a `baseUrl` that is not absolute or ends in `/v1`,
   *   and in Deno without `--allow-env` when the key must come from the environment.
   * @example new InstaVM({ apiKey: env.INSTAVM_API_KEY, baseUrl: 'http://127.0.0.1:8787' })
   */
  constructor(options?: string | ClientOptions);
  /** Snapshots: build, wait, ensure, list, get, delete. */
  readonly snapshots: Snapshots;
  /** VMs: create, snapshot, clone, suspend, resume, delete, env, volumes. */
  readonly vms: Vms;
}

/**
 * Loads the wasm ahead of the first call. Optional: every call loads it on
 * first use, and Node, Deno, Bun and Workers load it on import. A page may
 * call it early so the first request does not wait for the download, and
 * must await it before `Image.from`.
 * @param input Where the wasm is, in a page that serves it elsewhere (a URL, a `Response`, bytes or a compiled module).
 * @example await init();
 */
export declare function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;

/** @internal Bytes of wasm memory, for the package's own leak test; not part of the API. */
export declare function _wasmMemoryBytes(): number;

// ---------------------------------------------------------------------------
// Errors

/**
 * What the error constructors read. The client fills them; a test faking a
 * failure may pass them too. Each class keeps the fields it declares.
 */
export interface InstaVMErrorDetails {
  /** The HTTP status. */
  status?: number;
  /** The server's `X-Request-Id`. */
  requestId?: string;
  /** The parsed error body. */
  body?: unknown;
  /** The VM concerned. */
  vm?: Vm;
  /** What caused it (kept as the standard `Error.cause`). */
  cause?: unknown;
  /** The `code`, when it is not the class's own (as the package's `wasm_load_failed`). */
  code?: ErrorCode;
  /** The offending field (ValidationError). */
  field?: string;
  /** How long the server asked to wait (RateLimitError). */
  retryAfterMs?: number;
  /** The snapshot concerned. */
  snapshot?: Snapshot;
  /** Why the build failed (SnapshotBuildFailedError). */
  lastError?: string;
  /** The request may have acted although its answer was lost. */
  mayHaveActed?: boolean;
  /** What a lookup after the lost answer found that may be the request's doing. */
  candidates?: unknown[];
}

/** The `code` of the client's errors: one per class, or the code of an answer `instavm-wasm/proxy` wrote itself. */
export type ErrorCode =
  | 'api_error'
  | 'authentication_failed'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_request'
  | 'rate_limited'
  | 'server_error'
  | 'network_error'
  | 'timeout'
  | 'snapshot_build_failed'
  | 'wasm_load_failed'
  | 'wasm_not_loaded'
  | 'secret_key_in_browser'
  | import('./proxy.js').ProxyErrorCode;

/**
 * The base class of every error the client throws, so `instanceof InstaVMError`
 * catches them all. Thrown as itself for an unexpected status (405, say), a
 * malformed answer, a redirect off the API's origin, and a VM wait that ended
 * with the VM suspended or final (`vm`). Prints as its class, message and
 * only the fields that are set.
 */
export declare class InstaVMError extends Error {
  /**
   * @param message What went wrong.
   * @param details The fields the error carries.
   */
  constructor(message: string, details?: InstaVMErrorDetails);
  /**
   * Why, as a stable code a UI can branch on (`switch (e.code)`), always set.
   * Each class has its own: `api_error` (this class), `authentication_failed`,
   * `forbidden`, `not_found`, `conflict`, `invalid_request` (ValidationError),
   * `rate_limited`, `server_error`, `network_error`, `timeout`,
   * `snapshot_build_failed`; `wasm_load_failed` when a page's bundle cannot
   * load the client's wasm (its message names the bundler's fix);
   * `wasm_not_loaded` for `Image.from` in a page before `init()`;
   * `secret_key_in_browser` (a `ValidationError`) for a secret key in a page
   * without `dangerouslyAllowBrowser`. An answer
   * `instavm-wasm/proxy` wrote itself
   * gives its own code instead (`unauthenticated`: sign in; `not_allowed`,
   * `origin_not_allowed`, ...: see the proxy's `ProxyErrorCode`).
   */
  readonly code: ErrorCode;
  /** The VM concerned, for a VM wait that failed or timed out. */
  readonly vm?: Vm;
  /** The HTTP status, present only when a response was received. */
  readonly status?: number;
  /** The server's `X-Request-Id`, present only when known: quote it to support. */
  readonly requestId?: string;
  /** The parsed error body (or its text), present only when there was one. */
  readonly body?: unknown;
  /**
   * `true` when the request may have acted on the server although its answer
   * was lost (a dropped connection, a timeout, a 500, 502 or 504, an
   * unreadable 2xx, to a POST or PATCH). It was not sent again: a create was
   * looked for and could not be told (see `candidates`); a POST with nothing
   * to look for (`suspend`, `stageEnv`) or a PATCH (`update`) is never
   * repeated after such a failure. Check, or list, before trying again.
   * Absent otherwise.
   */
  readonly mayHaveActed?: true;
  /**
   * With `mayHaveActed`: the records the lookup found that may be this
   * request's doing (snapshots, VMs or mounts made since the call began that
   * match it), when it found any but could not tell which, or whether, one
   * is. Absent when the lookup itself failed.
   */
  readonly candidates?: ReadonlyArray<Snapshot | Vm | Volume>;
}
/** The key was refused: a 401 (invalid or expired key). */
export declare class AuthenticationError extends InstaVMError {}
/** The key may not do this: a 403. */
export declare class ForbiddenError extends InstaVMError {}
/** No such snapshot, VM or volume for this key: a 404. */
export declare class NotFoundError extends InstaVMError {}
/**
 * A 409: an `Idempotency-Key` reused with another body, a VM in the wrong
 * state for the call, or a snapshot that is not ready to boot from.
 */
export declare class ConflictError extends InstaVMError {}
/**
 * Bad input. Thrown by the client's own checks before anything is sent (no
 * `status`: a value out of range, an unknown key, a bad id), and for a 400 or
 * 422 from the server (its FastAPI details name the field).
 */
export declare class ValidationError extends InstaVMError {
  /** The offending field's path, e.g. `build_args.disk_size_gb`, `volumes[0].mount_path`, `baseUrl`. */
  readonly field?: string;
}
/** Still a 429 after the retries (which honour `Retry-After`). */
export declare class RateLimitError extends InstaVMError {
  /** How long the server asked to wait, when it said. */
  readonly retryAfterMs?: number;
}
/** A 5xx, after the retries where retrying was safe. */
export declare class ServerError extends InstaVMError {}
/** The server could not be reached: DNS, a refused or dropped connection, CORS in a page. */
export declare class NetworkError extends InstaVMError {
  /** The runtime's own error, as `fetch` rejected with it (e.g. `TypeError: fetch failed` with its own `cause`). */
  readonly cause?: unknown;
}
/** A request past its `timeoutMs`, or a wait past its deadline. */
export declare class TimeoutError extends InstaVMError {
  /** The last snapshot seen, for a snapshot wait that ran out of time. */
  readonly snapshot?: Snapshot;
}
/** A build (or a VM snapshot's capture) ended `failed` or `error`. */
export declare class SnapshotBuildFailedError extends InstaVMError {
  /** The failed snapshot. */
  readonly snapshot: Snapshot;
  /** The server's reason (`last_error`), when it gave one. */
  readonly lastError?: string;
}
