// The API's operations, named as the client names its methods: one table for
// every part of the package that needs to know what the API is. The proxy
// (`instavm-wasm/proxy`) matches requests against it and lets through only
// the operations an app allows; it is plain data, so importing it costs a
// bundle a few hundred bytes and no wasm.
//
// Each entry is [method, path pattern, query parameters]. `{}` stands for
// exactly one non-empty path segment (an id); every other segment must be
// equal, and a trailing slash is part of the pattern (`GET /v1/vms/` is its
// own route, every VM including terminated ones, next to `GET /v1/vms`, the
// running ones). The query parameters are those of the API's contract; the
// proxy passes no other.

/** @type {Readonly<Record<string, readonly [string, string, readonly string[]?]>>} */
export const OPERATIONS = Object.freeze({
  'snapshots.list': ['GET', '/v1/snapshots', ['type']],
  'snapshots.create': ['POST', '/v1/snapshots'],
  'snapshots.get': ['GET', '/v1/snapshots/{}'],
  'snapshots.delete': ['DELETE', '/v1/snapshots/{}'],
  'vms.create': ['POST', '/v1/vms', ['wait']],
  'vms.list': ['GET', '/v1/vms'],
  'vms.listAll': ['GET', '/v1/vms/'],
  'vms.get': ['GET', '/v1/vms/{}'],
  'vms.update': ['PATCH', '/v1/vms/{}'],
  'vms.delete': ['DELETE', '/v1/vms/{}'],
  'vms.snapshot': ['POST', '/v1/vms/{}/snapshot', ['wait']],
  'vms.clone': ['POST', '/v1/vms/{}/clone', ['wait']],
  'vms.suspend': ['POST', '/v1/vms/{}/suspend'],
  'vms.resume': ['POST', '/v1/vms/{}/resume', ['wait']],
  'vms.stageEnv': ['POST', '/v1/vms/{}/stage-env'],
  'vms.mountVolume': ['POST', '/v1/vms/{}/volumes', ['wait']],
  'vms.listVolumes': ['GET', '/v1/vms/{}/volumes'],
  'vms.unmountVolume': ['DELETE', '/v1/vms/{}/volumes/{}', ['mount_path', 'wait']],
});

/**
 * Client methods that are no request of their own but a sequence of the
 * operations above: allowing one of these names allows all of its
 * operations. (Waiting is polling too: `create(..., { wait: true })` and
 * `vms.snapshot` with a wait read `snapshots.get`; a VM wait reads `vms.get`;
 * a create whose answer was lost looks for what it made with
 * `snapshots.list`, `vms.listAll` or `vms.listVolumes`.)
 */
export const COMPOSITES = Object.freeze({
  'snapshots.waitUntilReady': ['snapshots.get'],
  'snapshots.watch': ['snapshots.get'],
  'snapshots.ensure': ['snapshots.list', 'snapshots.get', 'snapshots.create'],
});

/**
 * What the client polls to wait on each operation's result, and when it
 * waits: the proxy warns when an app allows an operation but not its poll,
 * whose wait would then be refused midway.
 */
export const WAIT_POLLS = Object.freeze({
  'snapshots.create': ['snapshots.get', 'with { wait: true }, and waitUntilReady and watch after it'],
  'vms.snapshot': ['snapshots.get', 'by default'],
  'vms.create': ['vms.get', 'by default'],
  'vms.clone': ['vms.get', 'by default'],
  'vms.resume': ['vms.get', 'by default'],
  'vms.suspend': ['vms.get', 'with { wait: true }'],
});
