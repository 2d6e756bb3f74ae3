// Types of instavm-wasm/proxy: a handler that holds the InstaVM API key on a
// server or a Worker, so that a web page runs the client with none. The
// comments are what an editor shows on hover. Options have no index
// signature, so a misspelt option fails to compile instead of being ignored.

/**
 * One request of the InstaVM API, named as the client's method that sends
 * it: `snapshots.list` is `GET /v1/snapshots`, `vms.listAll` is
 * `GET /v1/vms/` (with its trailing slash), `vms.stageEnv` is
 * `POST /v1/vms/{id}/stage-env`.
 */
export type Operation =
  | 'snapshots.list'
  | 'snapshots.create'
  | 'snapshots.get'
  | 'snapshots.delete'
  | 'vms.create'
  | 'vms.list'
  | 'vms.listAll'
  | 'vms.get'
  | 'vms.update'
  | 'vms.delete'
  | 'vms.snapshot'
  | 'vms.clone'
  | 'vms.suspend'
  | 'vms.resume'
  | 'vms.stageEnv'
  | 'vms.mountVolume'
  | 'vms.listVolumes'
  | 'vms.unmountVolume';

/**
 * What `allow` takes: an operation; every operation of a resource
 * (`snapshots.*`, `vms.*`); or a client method that is a sequence of
 * operations, which allows all of them: `snapshots.waitUntilReady` and
 * `snapshots.watch` poll `snapshots.get`; `snapshots.ensure` is
 * `snapshots.list`, `snapshots.get` and `snapshots.create`. Waits are polls
 * too: a snapshot wait (`create(..., { wait: true })`, `vms.snapshot`) needs
 * `snapshots.get`, a VM wait (the default of `vms.create`, `clone`, `resume`)
 * needs `vms.get`, and a create whose answer was lost looks for what it made
 * with `snapshots.list`, `vms.listAll` or `vms.listVolumes`.
 */
export type AllowEntry = Operation | 'snapshots.*' | 'vms.*' | 'snapshots.waitUntilReady' | 'snapshots.watch' | 'snapshots.ensure';

/** What `authorize` is told about a request, besides the request itself. */
export interface ProxyCall {
  /** The operation the request is. */
  operation: Operation;
  /** The ids of the path, in order (a VM id, then a volume id), decoded as they are sent upstream. */
  ids: string[];
  /** The query parameters (only the contract's pass). */
  query: Record<string, string>;
}

/** What `authorize` may resolve: `true` lets the request through, `401` asks the caller to sign in, a `Response` is the answer; anything else is a 403. */
export type AuthorizeVerdict = boolean | 401 | Response;

/**
 * The `code` of every answer the proxy writes itself (its JSON is
 * `{ detail, code, operation? }`), stable across versions, for a page to
 * branch on: `e.body.code` of the client's error.
 *
 * - `unauthenticated` (401): `authorize` answered 401, or `owner` gave no user: sign in.
 * - `forbidden` (403): `authorize` said no, or an owner's request the proxy refuses.
 * - `not_allowed` (403): the operation is not in `allow`.
 * - `origin_not_allowed` (403): the page's origin is in neither `origin` nor `allowedOrigins`.
 * - `shared_read_only` (403): a shared snapshot cannot be deleted.
 * - `not_found` (404): no such record for this user (with `owner`).
 * - `unknown_operation`, `outside_prefix` (404): no operation of the API has this path.
 * - `method_not_allowed` (405); `bad_id`, `bad_query`, `bad_body`, `bad_request_url` (400); `body_too_large` (413).
 * - `proxy_busy` (503, `Retry-After`): past `maxInFlight`.
 * - `caller_gone` (499): the caller left before anything was sent.
 * - `upstream_unreachable`, `upstream_redirect`, `upstream_not_json`, `upstream_too_large`,
 *   `upstream_cut_short`, `upstream_unreadable`, `upstream_unexpected` (502), `upstream_timeout` (504),
 *   `upstream_error` (the API's 429 or 5xx, while reading whose a record is).
 * - `authorize_failed`, `owner_failed`, `proxy_error`, `misconfigured` (500): see `onError`.
 */
export type ProxyErrorCode =
  | 'unauthenticated'
  | 'forbidden'
  | 'not_allowed'
  | 'origin_not_allowed'
  | 'shared_read_only'
  | 'not_found'
  | 'unknown_operation'
  | 'outside_prefix'
  | 'method_not_allowed'
  | 'bad_id'
  | 'bad_query'
  | 'bad_body'
  | 'bad_request_url'
  | 'body_too_large'
  | 'proxy_busy'
  | 'caller_gone'
  | 'upstream_unreachable'
  | 'upstream_redirect'
  | 'upstream_not_json'
  | 'upstream_too_large'
  | 'upstream_cut_short'
  | 'upstream_unreadable'
  | 'upstream_unexpected'
  | 'upstream_timeout'
  | 'upstream_error'
  | 'authorize_failed'
  | 'owner_failed'
  | 'proxy_error'
  | 'misconfigured';

/** Options of `createProxy`. `apiKey` and `authorize` are required, and with no `allow` nothing passes. */
export interface ProxyOptions {
  /**
   * The InstaVM API key, sent upstream as `X-API-Key` on every forwarded
   * request (a caller's own `X-API-Key` is never forwarded). It appears in no
   * answer, header or error the proxy makes, and any occurrence in an
   * upstream answer is replaced by `[redacted]` (a key holding `"`, `\`,
   * `<`, `>`, `&` or `'` is refused: JSON spells those too many ways). In a Worker:
   * `env.INSTAVM_API_KEY` (`npx wrangler secret put INSTAVM_API_KEY`).
   * Unset (`undefined` or `''`, as in a build with no environment), the
   * proxy is still made, so that `next build` passes, and answers every
   * request with a 500 (`misconfigured`), telling `onError` once.
   */
  apiKey: string | undefined;
  /**
   * The API to forward to, default `https://api.instavm.io`: an absolute
   * URL without `/v1` (the proxy adds it), as the client's `baseUrl`;
   * `https://`, or `http://` only on this machine (an emulator), since the
   * key would travel in clear. `undefined` (an unset Worker binding) means
   * the default.
   */
  baseUrl?: string;
  /**
   * Where the proxy is mounted, default `''` (the root): with `'/instavm'`,
   * `GET /instavm/v1/snapshots` is `snapshots.list`, and a request outside
   * `/instavm/` gets a 404. The page's client then takes `baseUrl: '/instavm'`.
   */
  prefix?: string;
  /**
   * The operations a caller may use; every other gets a 403 whose JSON names
   * it. Default: none, so a proxy with no `allow` refuses everything. An
   * unknown name throws at `createProxy`, with the nearest known one.
   */
  allow?: readonly AllowEntry[];
  /**
   * Required: the app's own check of the caller, run for each request of an
   * allowed operation before anything is sent; resolve `true` to let it
   * through; `401` when the caller must sign in first (code
   * `unauthenticated`); a `Response` of your own, returned as it is (with
   * `nosniff`, `no-store` and CORS headers added). Anything else is a 403
   * (`forbidden`), a throw or rejection a 500 (`authorize_failed`; its text
   * goes to `onError`, not to the caller); either way nothing reaches the API. It receives the
   * operation, the ids of the path decoded exactly as they are sent upstream
   * (`vm%5Fprod` is `vm_prod` here too) and the query. Read the session from
   * headers or cookies, not the body: the proxy forwards the body.
   *
   * `'public'` says the proxy is open to anyone who can reach it: every
   * visitor then uses your account's key for the allowed operations (and,
   * without `owner`, sees and acts on everything the key holds).
   */
  authorize: ((request: Request, call: ProxyCall) => AuthorizeVerdict | Promise<AuthorizeVerdict>) | 'public';
  /**
   * Scopes every operation to one user of your app: resolve the caller's user
   * id (from your verified session). Each user then sees, in lists and by
   * id, only the VMs and snapshots made through the proxy under that id, and
   * can act only on those; anything else is a 404, as if it did not exist.
   * `undefined`, `null` or `''` is a 401 (`unauthenticated`), nothing sent. How: a VM carries a
   * tag (a SHA-256 of the id) in `metadata.instavm_proxy_owner`, a snapshot
   * name starts with `o.<tag>.`, both hidden from answers; VMs made by
   * `clone` and `resume` are also remembered in memory. A body may hold only
   * the contract's fields for its operation (any other is a 400). Each
   * user's `Idempotency-Key`s are their own. The limits are in
   * docs/reference.md.
   */
  owner?: (request: Request) => string | null | undefined | Promise<string | null | undefined>;
  /**
   * Snapshots every user of an `owner` proxy may read and boot VMs from,
   * though none may delete them: `'system'` (the account's system snapshots)
   * or a predicate on the snapshot record. Default: none.
   */
  sharedSnapshots?: 'system' | ((snapshot: Record<string, unknown>) => boolean);
  /**
   * The proxy's own origin, or several, as the browser sees the pages it
   * serves, such as `'https://app.example'`: their requests carry that
   * `Origin` and need no CORS. Same-origin is decided from this alone, never
   * from the request's `Host` or `Sec-Fetch-Site`. A request with an `Origin`
   * neither here nor in `allowedOrigins` is a 403; one with no `Origin` (a
   * server, a same-origin GET) passes on to `authorize`.
   */
  origin?: string | readonly string[];
  /**
   * Origins of pages on other origins that may call the proxy, such as
   * `['https://app.example']`: their requests get CORS headers and their
   * preflights are answered. Default: none (a request whose `Origin` is
   * neither here nor in `origin` is a 403). A preflight allows `Content-Type`,
   * `Accept`, `Idempotency-Key` and `Authorization` (for `authorize`).
   * Refused at `createProxy`: wildcards (`'*'`, `'https://*.example'`) and
   * `http://` origins other than this machine's (localhost, 127.x, [::1]).
   */
  allowedOrigins?: readonly string[];
  /**
   * Send `Access-Control-Allow-Credentials: true` to the `allowedOrigins`, so
   * that a page whose `fetch` sends `credentials: 'include'` passes its
   * cookies to `authorize` (they are never forwarded). Default `false`: a
   * cross-origin page authenticates with an `Authorization` header.
   */
  allowCredentials?: boolean;
  /** The largest request body forwarded, default 1 MiB (1048576 bytes); a larger one gets a 413. */
  maxBodyBytes?: number;
  /** The largest answer passed back, default 32 MiB; a larger one is a 502 (and not buffered past the limit). */
  maxAnswerBytes?: number;
  /**
   * How long the API may take to answer, default 10 minutes (a VM create
   * with `?wait=true` answers once the VM is live); past it, a 504.
   */
  timeoutMs?: number;
  /**
   * At most this many requests forwarded at once; past it, a 503 with
   * `Retry-After: 1`, sending nothing. Default: no cap.
   */
  maxInFlight?: number;
  /**
   * Called with what the caller is not told: an error thrown by `authorize`
   * or `owner`, the network error of an unreachable API, a missing `apiKey`
   * (once), a bug of the proxy's. Default: one `console.error` line for all
   * but the API's network errors (which the caller sees as a 502 or 504).
   * Never called with the key in a message the proxy writes.
   */
  onError?: (error: unknown, context: { operation: Operation | undefined; request: Request }) => void;
  /**
   * The `fetch` that reaches the API, default the global one; called as
   * `fetch(url, init)` with `redirect: 'manual'` (a redirect answer becomes a
   * 502, never followed). For tests: `createEmulator().fetch`.
   */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** A handler of the standard `fetch` shape, as Workers, `Deno.serve` and `Bun.serve` take it. */
export type ProxyHandler = (request: Request) => Promise<Response>;

/**
 * Makes the proxy: a `(request) => Promise<Response>` that forwards the
 * allowed operations of the InstaVM API with the key added, and answers the
 * rest itself (404 for no operation or outside `prefix`, or another owner's
 * record, 405 for a method the
 * path lacks, 403 for an operation not allowed, an unauthorized caller or a
 * foreign origin, 400 for an id that is not one path segment, 413 for a body
 * over `maxBodyBytes`, 503 past `maxInFlight`), with nothing sent upstream;
 * 502 for an unreachable API, a redirect, an answer that is not JSON or is
 * over `maxAnswerBytes`, and 504 past `timeoutMs`. Only `Content-Type`,
 * `Accept` and `Idempotency-Key` are forwarded; only `Content-Type`,
 * `X-Request-Id`, `Retry-After`, `Retry-After-Ms`, `Idempotent-Replayed` and
 * `Date` (the API's clock) come back, with `X-Content-Type-Options: nosniff`
 * and `Cache-Control: no-store` on every answer. The key is scrubbed from
 * answers in every form it could take: as it is, upper or lower case, hex,
 * percent-encoded, `\u`-escaped, base64 and base64url.
 *
 * @throws TypeError naming the option at fault: a missing `apiKey` or `authorize`, an
 * unknown operation in `allow` (with the nearest name), an unknown option, a
 * `baseUrl` over `http://` to another machine or with a backslash or `@`.
 */
export declare function createProxy(options: ProxyOptions): ProxyHandler;

/** The part of a `node:http` request the listener reads. */
export interface NodeRequest {
  /** The HTTP method. */
  method?: string;
  /** The request target, `/instavm/v1/snapshots?type=user`. */
  url?: string;
  /** Header names and values, alternating, as received. */
  rawHeaders: string[];
  /** The connection (not read: the request's URL is the target on the fixed origin `http://localhost`). */
  socket?: unknown;
  /** Adds a listener for `data`, `end` or `error` (an `IncomingMessage` is an event emitter). */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Removes every listener of an event. */
  removeAllListeners(event?: string): unknown;
  /** Stops `data` events until `resume`. */
  pause(): unknown;
  /** Resumes `data` events. */
  resume(): unknown;
}

/** The part of a `node:http` response the listener writes. */
export interface NodeResponse {
  /** The status to send. */
  statusCode: number;
  /** Whether the head was already written. */
  readonly headersSent: boolean;
  /** Whether the whole answer was handed to the connection. */
  readonly writableFinished: boolean;
  /** Whether the connection is gone. */
  readonly destroyed: boolean;
  /** Sets one header. */
  setHeader(name: string, value: string): unknown;
  /** Writes the body and ends the answer. */
  end(body?: Uint8Array | string): unknown;
  /** Drops the connection. */
  destroy(): unknown;
  /** Adds a listener, for `close`. */
  on(event: string, listener: () => void): unknown;
}

/**
 * A `node:http` request listener serving a handler, for Node 18+:
 * `createServer(toNodeListener(createProxy({ ... }))).listen(8080)`. The
 * body is streamed to the handler (so `maxBodyBytes` stops reading early), a
 * caller that goes away aborts the handler's `request.signal`, and a handler
 * that throws answers 500. The request's URL is the request target on the
 * fixed origin `http://localhost`: the `Host` header decides nothing (it is
 * still among the request's headers).
 */
export declare function toNodeListener(handler: ProxyHandler): (req: NodeRequest, res: NodeResponse) => void;
