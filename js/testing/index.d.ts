// Types of instavm-wasm/testing: the InstaVM API emulator, in process. The
// comments are what an editor shows on hover. Options have no index
// signature, so a misspelt option fails to compile instead of being ignored.

/**
 * A fault the emulator can inject (see the README's "The emulator"): `429`,
 * `503` and `500` refuse; `reset` drops the connection (after the server
 * acted, for a POST, PATCH or DELETE); `lost` acts, then drops the
 * connection, and `gateway` acts, then answers 502 or 504 (504 when forced by
 * `X-Emulator-Fault`; an answer lost
 * after the server acted, on any method); `slow` stalls for `slowMs` and then
 * refuses; the rest answer with a malformed body instead of acting
 * (`malformed`, `truncated` JSON, an `html` 502 page, a `wrong-shape` record,
 * `no-status`, a `huge` 8 MB body, a `redirect`).
 */
export type FaultKind = '429' | '503' | '500' | 'reset' | 'lost' | 'gateway' | 'slow' | 'malformed' | 'truncated' | 'html' | 'wrong-shape' | 'no-status' | 'huge' | 'redirect';

/** Options of `createEmulator`, the same knobs as the emulator server's flags. */
export interface EmulatorOptions {
  /** How long a build takes, default 3000 ms (`--build-ms`). */
  buildMs?: number;
  /** How long a VM takes to boot, suspend or resume, default 500 ms (`--boot-ms`). */
  bootMs?: number;
  /** The probability of each fault per `/v1` request, e.g. `{ 429: 0.1, reset: 0.05 }` (`--faults`). */
  faults?: Partial<Record<FaultKind, number>>;
  /** Seed of the fault sequence, default 1: the same seed, the same faults (`--seed`). */
  seed?: number;
  /** Extra latency per request: a fixed delay or `[min, max]` milliseconds (`--latency-ms`). */
  latencyMs?: number | readonly [number, number];
  /** How long a `slow` fault stalls before refusing, default 5000 ms (`--slow-ms`). */
  slowMs?: number;
  /**
   * Replay the first answer to a repeated `Idempotency-Key` (`--idempotency`).
   * Default `false`, as the documented InstaVM API: it describes no such
   * header, so code tested here must not count on it.
   */
  idempotency?: boolean;
  /**
   * The origin `fetch` answers for, default `http://instavm-emulator.invalid`,
   * which never resolves: a request that escapes the `fetch` option fails
   * instead of reaching a network.
   */
  baseUrl?: string;
}

/** One request the emulator received, as its request log records it. */
export interface EmulatedRequest {
  /** `GET`, `POST`, `PATCH`, `DELETE`, ... */
  method: string;
  /** The path, e.g. `/v1/snapshots/snap_1`. */
  path: string;
  /** The query string without `?`, or `null` when there was none. */
  query: string | null;
  /** The request's `Idempotency-Key` header, or `null`. */
  idempotency_key: string | null;
  /** The `X-Request-Id` the emulator answered with. */
  request_id: string;
  /** Arrival order, increasing across every key. */
  seq: number;
}

/** An emulator made by `createEmulator`. */
export interface Emulator {
  /** The origin it answers for: pass it as the client's `baseUrl`. */
  readonly baseUrl: string;
  /**
   * A standard `fetch` answering every route of the API in process, with the
   * server's statuses, headers and bodies: pass it as the client's `fetch`.
   * Takes a URL string (absolute, or relative to `baseUrl`), a `URL` or a
   * `Request`. An injected `reset` rejects as a dropped connection does
   * (`TypeError: fetch failed`); an aborted signal rejects with its reason.
   * @example const res = await emu.fetch('/v1/snapshots', { headers: { 'X-API-Key': 'test' } });
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /**
   * The `/v1` requests received, oldest first.
   * @param apiKey Only this key's requests; absent, every key's.
   * @example const posts = emu.requests('test').filter((r) => r.method === 'POST');
   */
  requests(apiKey?: string): EmulatedRequest[];
  /**
   * Moves the emulator's clock forward: builds, boots and waiting requests
   * (`?wait=true`) progress by `ms` at once, for tests that should not sleep.
   * @example emu.advance(3000); // a default build is now ready
   */
  advance(ms: number): void;
  /** Ends pending requests with an error and frees the emulator; no timer is left running. Safe to call twice. */
  close(): void;
}

/**
 * Starts an InstaVM API emulator in process: the same Rust state machine as
 * the emulator server, behind a standard `fetch`, with no port and no
 * network. Loads the emulator's own wasm on first use (the main entry never
 * loads it).
 * @param options Build and boot times, faults, seed, latency, base URL.
 * @returns The emulator; `close()` it when done.
 * @throws {TypeError} (a rejection) `faults` is not an object, or `baseUrl` is not a URL.
 * @example const emu = await createEmulator({ buildMs: 300 }); const client = new InstaVM({ apiKey: 'test', baseUrl: emu.baseUrl, fetch: emu.fetch });
 */
export declare function createEmulator(options?: EmulatorOptions): Promise<Emulator>;
