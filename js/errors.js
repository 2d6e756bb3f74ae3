// The package's error classes: real Error subclasses, so `instanceof` works
// and stacks are kept. The wasm builds a descriptor; makeError picks the class.
//
// What a person sees matters as much as what code reads: `console.log(err)`
// prints the stack and the error's own properties, so only the properties
// that are known are set (no `status: undefined`), `name` lives on the
// prototype, and the frames inside the wasm and its glue, which say nothing
// to a user, are dropped from the stack.

/** Properties copied from the descriptor when they hold a value. */
const DETAILS = ['status', 'requestId', 'body', 'vm', 'mayHaveActed', 'candidates'];

/** Each class's `code`, stable across versions, for a UI to branch on. */
const CODES = {
  InstaVMError: 'api_error',
  AuthenticationError: 'authentication_failed',
  ForbiddenError: 'forbidden',
  NotFoundError: 'not_found',
  ConflictError: 'conflict',
  ValidationError: 'invalid_request',
  RateLimitError: 'rate_limited',
  ServerError: 'server_error',
  NetworkError: 'network_error',
  TimeoutError: 'timeout',
  SnapshotBuildFailedError: 'snapshot_build_failed',
};

/** The code instavm-wasm/proxy put in an answer of its own (`{ detail: 'instavm proxy: ...', code }`), if any. */
function proxyCode(body) {
  return typeof body?.code === 'string' && typeof body.detail === 'string' && body.detail.startsWith('instavm proxy:') ? body.code : undefined;
}

export class InstaVMError extends Error {
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    // A proxy's own refusal says why in its code (`unauthenticated`, `not_allowed`, ...); else the class's.
    this.code = details.code ?? proxyCode(details.body) ?? CODES[this.name] ?? CODES.InstaVMError;
    for (const key of DETAILS) if (details[key] !== undefined) this[key] = details[key];
  }
}
// On the prototype, not the instance: minifiers rename classes, `name` must
// stay stable, and an own `name` would be printed again after the stack.
Object.defineProperty(InstaVMError.prototype, 'name', { value: 'InstaVMError', writable: true, configurable: true });

const subclass = (name, extra = []) => {
  const Class = class extends InstaVMError {
    constructor(message, details = {}) {
      super(message, details);
      for (const key of extra) if (details[key] !== undefined) this[key] = details[key];
    }
  };
  Object.defineProperty(Class, 'name', { value: name });
  Object.defineProperty(Class.prototype, 'name', { value: name, writable: true, configurable: true });
  return Class;
};

export const AuthenticationError = subclass('AuthenticationError');
export const ForbiddenError = subclass('ForbiddenError');
export const NotFoundError = subclass('NotFoundError');
export const ConflictError = subclass('ConflictError');
export const ValidationError = subclass('ValidationError', ['field']);
export const RateLimitError = subclass('RateLimitError', ['retryAfterMs']);
export const ServerError = subclass('ServerError');
export const NetworkError = subclass('NetworkError');
export const TimeoutError = subclass('TimeoutError', ['snapshot']);
export const SnapshotBuildFailedError = subclass('SnapshotBuildFailedError', ['snapshot', 'lastError']);
