// Shared by the end-to-end tests: the emulator's address and its request log.
import assert from 'node:assert/strict';

export const BASE_URL = process.env.INSTAVM_BASE_URL;
assert.ok(BASE_URL, 'INSTAVM_BASE_URL must point at a running emulator (npm test sets it)');

let counter = 0;
/** A key nobody else uses, so each test sees only its own snapshots and log. */
export const freshKey = (label) => `instavm_sk_e2e_${label}_${process.pid}_${Date.now()}_${counter++}`;

/** What the emulator received from this key (emulator-only inspection route). */
export async function requestLog(apiKey) {
  const r = await fetch(`${BASE_URL}/_emulator/requests`, { headers: { 'X-API-Key': apiKey } });
  assert.equal(r.status, 200);
  return (await r.json()).requests;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Asserts that `promise` rejects, and returns what it rejected with. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

/** Every string reachable from an error: message, props, toString, JSON. */
export function errorText(e) {
  const parts = [String(e), e?.message, e?.stack];
  try {
    parts.push(JSON.stringify(e, Object.getOwnPropertyNames(e ?? {})));
  } catch {}
  for (const k of Object.keys(e ?? {})) {
    try {
      parts.push(JSON.stringify(e[k]));
    } catch {}
  }
  return parts.join('\n');
}
