// Types of the instavm-wasm package.

export type SnapshotType = 'user' | 'system';
/** The documented statuses (compared case-insensitively by the client). */
export type SnapshotStatus = 'pending' | 'building' | 'ready' | 'failed' | 'error';

/** A package list: space-separated names, or an array of names. */
export type PackageList = string | readonly string[];

export interface BuildArgs {
  extra_apt_packages?: PackageList | null;
  extra_pip_packages?: PackageList | null;
  extra_npm_packages?: PackageList | null;
  /** Cloned into /app/repo. */
  git_clone_url?: string | null;
  git_clone_branch?: string | null;
  /** 1..3 (the API would silently cap larger values, so the client refuses them). */
  disk_size_gb?: number | null;
  envs?: Record<string, string> | null;
  post_build_cmd?: string | null;
  /** Other keys pass through to the API untouched. */
  [key: string]: unknown;
}

export interface CreateSnapshotParams {
  oci_image: string;
  name?: string | null;
  /** 1..8, default 2. */
  vcpu_count?: number | null;
  /** 128..8192, default 512. */
  memory_mb?: number | null;
  type?: SnapshotType | null;
  build_args?: BuildArgs | null;
}

export interface Snapshot {
  id: string;
  snapshot_id: string;
  status: SnapshotStatus;
  type?: SnapshotType;
  snapshot_type?: SnapshotType;
  name?: string | null;
  oci_image?: string;
  size_bytes?: number | null;
  created_at?: string;
  last_error?: string | null;
  error?: string | null;
  is_public?: boolean;
  vcpu_count?: number;
  memory_mb?: number;
  build_args?: BuildArgs | null;
  [key: string]: unknown;
}

export interface ClientOptions {
  apiKey: string;
  /** Default https://api.instavm.io; an absolute URL, trailing slash ignored. */
  baseUrl?: string;
  /** Per request, default 60 000. */
  timeoutMs?: number;
  /** Retries of transient failures, default 2 (0..10). */
  maxRetries?: number;
  /**
   * A replacement for the global fetch, called with `this` undefined and one
   * argument: the built `Request` (method, headers, body, `redirect: 'manual'`
   * and the request's own abort signal are on it).
   */
  fetch?: (request: Request) => Promise<Response>;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** This request's timeout, overriding the client's. */
  timeoutMs?: number;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Deadline of the whole wait, default 30 minutes. */
  timeoutMs?: number;
  /** First interval between polls, default 1000. */
  pollIntervalMs?: number;
  /** Ceiling of the interval, default 5000. */
  maxPollIntervalMs?: number;
  /** Called once per status change, with the record. */
  onStatus?: (snapshot: Snapshot) => void;
}

export interface ListSnapshotsQuery {
  type?: SnapshotType;
  [key: string]: string | number | boolean | undefined;
}

export interface DeleteResult {
  [key: string]: unknown;
}

/** What besides the build spec decides a snapshot (and its fingerprint). */
export interface ImageResources {
  /** 1..8; absent means the server's default (2), and fingerprints as absent. */
  vcpu_count?: number | null;
  /** 128..8192; absent means the server's default (512). */
  memory_mb?: number | null;
  type?: SnapshotType | null;
}

/**
 * A declarative, immutable build spec: every method checks its input at once
 * (a `ValidationError` naming the `snapshots.create` field) and returns a new
 * `Image`. In a page, `await init()` before the first `Image.from`.
 */
export declare class Image {
  private constructor();
  static from(ociImage: string): Image;
  aptInstall(...names: string[]): Image;
  pipInstall(...names: string[]): Image;
  npmInstall(...names: string[]): Image;
  /** Cloned into /app/repo. */
  gitClone(url: string, options?: { branch?: string }): Image;
  /** Merged over earlier calls. */
  env(vars: Record<string, string>): Image;
  /** Commands run in call order, joined with ` && ` into `post_build_cmd`. */
  run(command: string): Image;
  /** 1..3 GB. */
  disk(gb: number): Image;
  /** The plain `snapshots.create` parameters. */
  toParams(options?: ImageResources & { name?: string }): CreateSnapshotParams;
  /** Lowercase hex SHA-256 of the canonical spec (package sets sorted, env by name, run commands in order). */
  fingerprint(options?: ImageResources): string;
  /** Releases the wasm memory now rather than when garbage-collected. */
  free(): void;
}

/** A snapshot handed back by `ensure`. */
export interface EnsuredSnapshot extends Snapshot {
  status: 'ready';
  /** True when this call started no build: a ready one was found, or another caller's build was joined. */
  reused: boolean;
}

export interface EnsureOptions extends WaitOptions, ImageResources {
  /** The snapshot is named `<name>-<12 hex of the fingerprint>`; default `image`. */
  name?: string;
  /** Build again when the only snapshots of this spec failed (default true); false rejects with SnapshotBuildFailedError. */
  rebuildFailed?: boolean;
}

export declare class Snapshots {
  list(query?: ListSnapshotsQuery | null, options?: RequestOptions): Promise<Snapshot[]>;
  create(params: CreateSnapshotParams, options?: RequestOptions & { wait?: false }): Promise<Snapshot>;
  create(params: CreateSnapshotParams, options: WaitOptions & { wait: true }): Promise<Snapshot>;
  /** An `Image` with its name and resources in the options. */
  create(image: Image, options?: RequestOptions & ImageResources & { name?: string; wait?: false }): Promise<Snapshot>;
  create(image: Image, options: WaitOptions & ImageResources & { name?: string; wait: true }): Promise<Snapshot>;
  /**
   * A `ready` snapshot built from exactly this spec: reused when one exists,
   * waited for when one is being built, built otherwise, once however many
   * clients ask at the same time.
   */
  ensure(spec: Image, options?: EnsureOptions): Promise<EnsuredSnapshot>;
  ensure(params: CreateSnapshotParams, options?: Omit<EnsureOptions, keyof ImageResources>): Promise<EnsuredSnapshot>;
  get(id: string, options?: RequestOptions): Promise<Snapshot>;
  delete(id: string, options?: RequestOptions): Promise<DeleteResult>;
  waitUntilReady(id: string, options?: WaitOptions): Promise<Snapshot>;
  watch(id: string, options?: WaitOptions): AsyncGenerator<Snapshot, void, undefined>;
}

/** The documented VM statuses. */
export type VmStatus =
  | 'active' | 'running' | 'creating' | 'provisioning' | 'suspending' | 'resuming' | 'suspended'
  | 'failed' | 'error' | 'terminated' | 'deleted' | 'killed';

export interface VolumeMount {
  volume_id: string;
  /** An absolute path inside the VM. */
  mount_path: string;
  /** Default 'rw'. */
  mode?: 'rw' | 'ro';
  /** A checkpoint to mount; only with mode 'ro'. */
  checkpoint_id?: string;
}

export interface EgressPolicy {
  allow_public_repos?: boolean;
  allow_http?: boolean;
  allow_https?: boolean;
  allowed_domains?: string[];
  /** CIDR blocks such as 10.0.0.0/8. */
  allowed_cidrs?: string[];
}

export interface CreateVmParams {
  /** 20..86400. */
  vm_lifetime_seconds?: number;
  /** 128..8192, even. */
  memory_mb?: number;
  /** 1..8. */
  vcpu_count?: number;
  /** Boot from this snapshot (it must be ready). */
  snapshot_id?: string;
  session_id?: string;
  image_variant?: 'computer-use' | 'nix-dev';
  metadata?: Record<string, unknown>;
  volumes?: VolumeMount[];
  egress_policy?: EgressPolicy;
  vault_ids?: string[];
  auto_suspend?: boolean;
  auto_resume?: boolean;
  snapshot_on_terminate?: boolean;
  snapshot_name?: string;
  [key: string]: unknown;
}

export interface UpdateVmParams {
  memory_mb?: number;
  snapshot_on_terminate?: boolean;
  snapshot_name?: string;
  vault_ids?: string[];
  auto_suspend?: boolean;
  auto_resume?: boolean;
  [key: string]: unknown;
}

export interface Vm {
  vm_id: string;
  /** The same value as vm_id. */
  id: string;
  status: VmStatus;
  session_id?: string;
  snapshot_id?: string | null;
  created_at?: string;
  expires_at?: string;
  ssh_host?: string;
  vcpu_count?: number;
  memory_mb?: number;
  metadata?: Record<string, unknown>;
  /** On a VM minted by resume: the suspended VM it continues. */
  resumed_from?: string;
  [key: string]: unknown;
}

export interface Volume {
  volume_id: string;
  mount_path: string;
  mode?: 'rw' | 'ro';
  status?: string;
  checkpoint_id?: string;
  [key: string]: unknown;
}

/** `wait` as the documented positional boolean, or with options. */
export type VmWait = boolean | (WaitOptionsFor<Vm> & { wait?: boolean });
export type SnapshotWait = boolean | (WaitOptions & { wait?: boolean });

export interface WaitOptionsFor<T> {
  signal?: AbortSignal;
  timeoutMs?: number;
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  onStatus?: (record: T) => void;
}

export interface Acknowledgement {
  [key: string]: unknown;
}

export declare class Vms {
  /** Default wait: true (resolves once the VM is live). */
  create(body?: CreateVmParams, wait?: VmWait): Promise<Vm>;
  /** Running VMs. */
  list(options?: RequestOptions): Promise<Vm[]>;
  /** Every VM record, terminated ones too. */
  listAll(options?: RequestOptions): Promise<Vm[]>;
  get(vmId: string, options?: RequestOptions): Promise<Vm>;
  update(vmId: string, patch: UpdateVmParams, options?: RequestOptions): Promise<Acknowledgement>;
  delete(vmId: string, options?: RequestOptions): Promise<Acknowledgement>;
  /** With wait (default), resolves once the snapshot is ready. */
  snapshot(vmId: string, body?: { name?: string }, wait?: SnapshotWait): Promise<Snapshot>;
  clone(vmId: string, body?: { snapshot_name?: string }, wait?: VmWait): Promise<Vm>;
  /** Answers 'suspending'; with wait (default false) resolves once 'suspended'. */
  suspend(vmId: string, wait?: VmWait): Promise<Vm>;
  /** Resolves with the new VM the API mints. */
  resume(vmId: string, wait?: VmWait): Promise<Vm>;
  /** The values are never returned or shown. */
  stageEnv(vmId: string, env: Record<string, string>, options?: RequestOptions): Promise<{ success: true }>;
  mountVolume(vmId: string, volume: VolumeMount, wait?: boolean | (RequestOptions & { wait?: boolean })): Promise<Volume>;
  listVolumes(vmId: string, options?: RequestOptions): Promise<Volume[]>;
  unmountVolume(vmId: string, volumeId: string, options?: RequestOptions & { mount_path?: string; wait?: boolean }): Promise<Acknowledgement>;
}

export declare class InstaVM {
  constructor(options: string | ClientOptions);
  readonly snapshots: Snapshots;
  readonly vms: Vms;
}

/** Loads the wasm ahead of the first call (optional). */
export declare function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;

export declare class InstaVMError extends Error {
  /** The VM concerned, for a VM wait that failed or timed out. */
  readonly vm?: Vm;
  /** The HTTP status, when a response was received. */
  readonly status?: number;
  /** The server's X-Request-Id, when known. */
  readonly requestId?: string;
  /** The parsed error body (or its text). */
  readonly body?: unknown;
}
export declare class AuthenticationError extends InstaVMError {}
export declare class ForbiddenError extends InstaVMError {}
export declare class NotFoundError extends InstaVMError {}
export declare class ConflictError extends InstaVMError {}
export declare class ValidationError extends InstaVMError {
  /** The offending field, e.g. `build_args.disk_size_gb`. */
  readonly field?: string;
}
export declare class RateLimitError extends InstaVMError {
  readonly retryAfterMs?: number;
}
export declare class ServerError extends InstaVMError {}
export declare class NetworkError extends InstaVMError {}
export declare class TimeoutError extends InstaVMError {
  /** The last snapshot seen, for a wait that ran out of time. */
  readonly snapshot?: Snapshot;
}
export declare class SnapshotBuildFailedError extends InstaVMError {
  readonly snapshot: Snapshot;
  readonly lastError?: string;
}
