// Types of instavm-wasm/testing: the InstaVM API emulator, in process.

/** A fault the emulator can inject; see the README's "The emulator". */
export type FaultKind = '429' | '503' | '500' | 'reset' | 'slow' | 'malformed' | 'truncated' | 'html' | 'wrong-shape' | 'no-status' | 'huge' | 'redirect';

export interface EmulatorOptions {
  /** How long a build takes, default 3000 ms. */
  buildMs?: number;
  /** How long a VM takes to boot, suspend or resume, default 500 ms. */
  bootMs?: number;
  /** The probability of each fault per request, e.g. `{ 429: 0.1, reset: 0.05 }`. */
  faults?: Partial<Record<FaultKind, number>>;
  /** Seed of the fault sequence, default 1: the same seed, the same faults. */
  seed?: number;
  /** Extra latency per request: a fixed delay or `[min, max]` milliseconds. */
  latencyMs?: number | readonly [number, number];
  /** How long a `slow` fault stalls before refusing, default 5000 ms. */
  slowMs?: number;
  /** The origin `fetch` answers for, default `http://instavm-emulator.invalid` (which never resolves). */
  baseUrl?: string;
}

/** One request the emulator received. */
export interface EmulatedRequest {
  method: string;
  path: string;
  query: string | null;
  idempotency_key: string | null;
  request_id: string;
  seq: number;
}

export interface Emulator {
  /** Pass as the client's `baseUrl`. */
  readonly baseUrl: string;
  /** A standard `fetch` that answers every route of the API in process; pass as the client's `fetch`. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The `/v1` requests received, oldest first: one API key's, or every key's. */
  requests(apiKey?: string): EmulatedRequest[];
  /** Moves the emulator's clock forward: builds, boots and pending waits progress by `ms`. */
  advance(ms: number): void;
  /** Ends pending requests with an error and frees the emulator; no timer is left running. */
  close(): void;
}

export declare function createEmulator(options?: EmulatorOptions): Promise<Emulator>;
