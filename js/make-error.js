// Turning the wasm's error descriptors into the package's error classes.
// Kept apart from errors.js, whose exports are all public: the entries
// re-export that module whole, and these helpers are not part of the API.
import {
  InstaVMError, AuthenticationError, ForbiddenError, NotFoundError, ConflictError, ValidationError,
  RateLimitError, ServerError, NetworkError, TimeoutError, SnapshotBuildFailedError,
} from './errors.js';

const classes = {
  InstaVMError, AuthenticationError, ForbiddenError, NotFoundError, ConflictError, ValidationError,
  RateLimitError, ServerError, NetworkError, TimeoutError, SnapshotBuildFailedError,
};

/** A stack line that points into the wasm or its generated glue, or at makeError itself. */
const INTERNAL_FRAME = /wasm:\/\/|wasm-function\[|\b__wbg_|\bmakeError\b|\bhandleError\b/;

/**
 * The package's own bundle (`.../instavm-wasm/pkg/node.js`), whose frames
 * are the glue's and this layer's. Only when it is recognisably ours: in a
 * user's bundle the same file also holds the user's code, whose frames stay.
 */
const OWN_FILE = (() => {
  const at = new Error().stack?.split('\n').find((line) => /\d+:\d+\)?$/.test(line)) ?? '';
  const file = at.match(/((?:file|https?):\/\/[^\s()]+?|\/[^\s():]+?):\d+:\d+\)?$/)?.[1];
  return file && /\/(instavm-wasm|pkg)\/[^/]+$/.test(file) ? file : undefined;
})();

const internal = (line) => INTERNAL_FRAME.test(line) || (OWN_FILE !== undefined && line.includes(`${OWN_FILE}:`));

/** Drops the frames that point into the wasm, its glue or this package. */
export function cleanStack(error) {
  if (typeof error?.stack === 'string') {
    error.stack = error.stack
      .split('\n')
      .filter((line, i) => i === 0 || !internal(line))
      .join('\n');
  }
  return error;
}

/** Builds the error the wasm described (`{ name, message, status, ... }`). */
export function makeError(d) {
  const Class = classes[d.name] ?? InstaVMError;
  return cleanStack(new Class(d.message, d));
}
