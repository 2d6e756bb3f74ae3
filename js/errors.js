// The package's error classes: real Error subclasses, so `instanceof` works
// and stacks are kept. The wasm builds a descriptor; makeError picks the class.

export class InstaVMError extends Error {
  constructor(message, details = {}) {
    super(message);
    // Set explicitly: minifiers rename classes, and `name` must stay stable.
    this.name = 'InstaVMError';
    this.status = details.status;
    this.requestId = details.requestId;
    this.body = details.body;
    if (details.vm !== undefined) this.vm = details.vm;
  }
}

const subclass = (name, extra = []) => {
  const Class = class extends InstaVMError {
    constructor(message, details = {}) {
      super(message, details);
      this.name = name;
      for (const key of extra) this[key] = details[key];
    }
  };
  Object.defineProperty(Class, 'name', { value: name });
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

const classes = {
  InstaVMError, AuthenticationError, ForbiddenError, NotFoundError, ConflictError, ValidationError,
  RateLimitError, ServerError, NetworkError, TimeoutError, SnapshotBuildFailedError,
};

/** Builds the error the wasm described (`{ name, message, status, ... }`). */
export function makeError(d) {
  const Class = classes[d.name] ?? InstaVMError;
  return new Class(d.message, d);
}
