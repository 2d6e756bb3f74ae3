// The proxy's `owner` option: one InstaVM account, many users, each seeing
// and acting on only what they made through the proxy.
//
// The API knows nothing of users, so ownership is written into what it does
// store, with fields it documents:
// - a VM carries the owner's tag in `metadata` (stamped on `vms.create`,
//   whatever the caller sent under that key);
// - a snapshot's `name` starts with the owner's prefix (added to every name
//   the proxy sends: `snapshots.create`, `vms.snapshot`, a clone's
//   `snapshot_name`, and the `snapshot_name` a VM is snapshotted under when it
//   ends), and answers show the name without it.
// `vms.clone` and `vms.resume` make a VM whose record the proxy does not
// write, and InstaVM does not document that it keeps `metadata`: the proxy
// remembers those VMs itself, in memory (bounded), when they are made. Every
// check fails closed: what cannot be shown to be the caller's is a 404, the
// same answer as an id that does not exist.

/** The metadata key of the owner's tag on VMs made through the proxy. */
export const OWNER_KEY = 'instavm_proxy_owner';
/** How many VMs made by clone or resume the proxy remembers per owner, and for how many owners. */
const SUCCESSORS_PER_OWNER = 1000;
const OWNERS_KEPT = 10_000;

/**
 * The fields each operation's body may hold under `owner`: those of the API's
 * contract. Any other is refused, so that a field the proxy does not know
 * (a future `is_public`, `metadata` on a clone) cannot move a record out of
 * its owner's reach or into another's.
 */
export const BODY_FIELDS = {
  'snapshots.create': ['oci_image', 'name', 'vcpu_count', 'memory_mb', 'type', 'build_args'],
  'vms.create': ['vm_lifetime_seconds', 'memory_mb', 'vcpu_count', 'snapshot_id', 'session_id', 'image_variant', 'metadata', 'volumes', 'egress_policy', 'vault_ids', 'auto_suspend', 'auto_resume', 'snapshot_on_terminate', 'snapshot_name'],
  'vms.update': ['memory_mb', 'snapshot_on_terminate', 'snapshot_name', 'vault_ids', 'auto_suspend', 'auto_resume'],
  'vms.snapshot': ['name'],
  'vms.clone': ['snapshot_name'],
  'vms.suspend': [],
  'vms.resume': [],
  'vms.stageEnv': ['entries'],
  'vms.mountVolume': ['volume_id', 'mount_path', 'mode', 'checkpoint_id'],
};

/**
 * The tag of an owner: the first 12 bytes of the SHA-256 of `instavm-proxy-owner:` and its string, in
 * hex. It is no secret (anyone with the key can hash a guessed user id); it
 * keeps user ids out of the API's records and gives every tag one length,
 * so that no owner's prefix begins another's.
 */
export async function ownerTag(owner) {
  const known = tags.get(owner);
  if (known) return known;
  const tag = await hashOf(owner);
  if (tags.size >= TAGS_KEPT) tags.delete(tags.keys().next().value);
  tags.set(owner, tag);
  return tag;
}
/** Recent owners' tags: a user's requests come in runs, and each would hash the same string again. */
const tags = new Map();
const TAGS_KEPT = 1000;

async function hashOf(owner) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`instavm-proxy-owner:${owner}`)));
  return [...digest.subarray(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** `sharedSnapshots` as a predicate on a snapshot record. */
export function sharedOf(value) {
  if (value === undefined) return () => false;
  if (value === 'system') return (s) => (s.type ?? s.snapshot_type) === 'system';
  if (typeof value === 'function') return (s) => value(s) === true;
  return null;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const idOf = (record) => record?.vm_id ?? record?.id ?? record?.snapshot_id;

/**
 * The scoping of one proxy: `forOwner(tag)` gives what `handle` asks of it
 * for one caller. `shared` is the predicate of `sharedSnapshots`.
 */
export function owners(shared) {
  /**
   * Tag -> the ids of the VMs the proxy saw that owner make by clone or
   * resume. Bounded per owner (the oldest forgotten first), so that no user's
   * traffic pushes out another's; the owner seen longest ago goes first when
   * there are too many.
   */
  const successors = new Map();
  const remember = (tag, id) => {
    if (typeof id !== 'string') return;
    const ids = successors.get(tag) ?? new Set();
    successors.delete(tag);
    successors.set(tag, ids);
    ids.delete(id);
    ids.add(id);
    if (ids.size > SUCCESSORS_PER_OWNER) ids.delete(ids.values().next().value);
    if (successors.size > OWNERS_KEPT) successors.delete(successors.keys().next().value);
  };

  return function forOwner(tag) {
    const prefix = `o.${tag}.`;
    const ownsVm = (vm) => isObject(vm) && ((isObject(vm.metadata) && vm.metadata[OWNER_KEY] === tag) || successors.get(tag)?.has(idOf(vm)) === true);
    const ownsSnapshot = (s) => isObject(s) && typeof s.name === 'string' && s.name.startsWith(prefix);
    const seesSnapshot = (s) => ownsSnapshot(s) || (isObject(s) && shared(s));
    const named = (name) => prefix + (name ?? '');
    /**
     * VM fields with the name of the snapshot the VM takes when it ends made
     * the owner's: on create always (a name given is prefixed, none becomes
     * the bare prefix), on update when one is given.
     */
    const terminal = (fields, creating) => (creating || fields.snapshot_name !== undefined ? { ...fields, snapshot_name: named(fields.snapshot_name) } : fields);

    /** A snapshot record as its owner sees it: the name without the prefix ('' for none: null). */
    function showSnapshot(s) {
      if (!ownsSnapshot(s)) return s;
      const name = s.name.slice(prefix.length);
      return { ...s, name: name === '' ? null : name };
    }
    /** A VM record as its owner sees it: no owner tag, and its snapshot name without the prefix. */
    function showVm(vm) {
      if (!isObject(vm)) return vm;
      const out = { ...vm };
      if (isObject(vm.metadata) && OWNER_KEY in vm.metadata) {
        const { [OWNER_KEY]: _, ...rest } = vm.metadata;
        out.metadata = rest;
      }
      if (typeof vm.snapshot_name === 'string' && vm.snapshot_name.startsWith(prefix)) out.snapshot_name = vm.snapshot_name.slice(prefix.length) || null;
      return out;
    }

    /**
     * What must hold before `operation` is sent, and the body to send:
     * `{ body }`, `{ read }` (the ownership read is the whole answer),
     * `{ refuse: [status, code, detail] }` or `{ failed }` (a Response: the
     * read's failure, passed on). `read(kind, id)` reads a record upstream:
     * `{ record, ... }`, `{ missing: true }` or `{ failed }`.
     */
    async function before(operation, ids, body, read) {
      const [resource, action] = operation.split('.');
      let fields;
      const takes = BODY_FIELDS[operation];
      if (takes) {
        fields = parse(body);
        if (fields === undefined) return { refuse: [400, 'bad_body', `${operation}: the body must be a JSON object`] };
        const stray = Object.keys(fields).find((k) => !takes.includes(k));
        if (stray !== undefined) return { refuse: [400, 'bad_body', `${operation}: the field ${JSON.stringify(stray.slice(0, 60))} is not passed on by a proxy with owner (${takes.length ? `it takes ${takes.join(', ')}` : 'it takes none'})`] };
        if (fields.snapshot_on_terminate !== undefined && typeof fields.snapshot_on_terminate !== 'boolean') return { refuse: [400, 'bad_body', `${operation}: snapshot_on_terminate must be true or false`] };
      }
      if (resource === 'snapshots') {
        if (action === 'create') {
          if (fields.type !== undefined && fields.type !== 'user') return { refuse: [403, 'forbidden', `${operation}: a user's snapshots are of type user, not ${JSON.stringify(fields.type)}`] };
          if (fields.name != null && typeof fields.name !== 'string') return { refuse: [400, 'bad_body', `${operation}: name must be a string`] };
          return { body: { ...fields, name: named(fields.name) } };
        }
        if (action === 'get' || action === 'delete') {
          const got = await read('snapshots', ids[0]);
          if (got.failed) return got;
          if (got.missing || !seesSnapshot(got.record)) return notFound('Snapshot', ids[0]);
          if (action === 'get') return { read: got };
          if (!ownsSnapshot(got.record)) return { refuse: [403, 'shared_read_only', `${operation}: snapshot '${ids[0]}' is shared with every user, and only read`] };
        }
        return {};
      }
      // VMs: every operation on an id needs the VM to be the caller's.
      if (ids.length) {
        const got = await read('vms', ids[0]);
        if (got.failed) return got;
        if (got.missing || !ownsVm(got.record)) return notFound('VM', ids[0]);
        if (action === 'get') return { read: got };
      }
      for (const key of ['name', 'snapshot_name']) {
        if (fields?.[key] != null && typeof fields[key] !== 'string') return { refuse: [400, 'bad_body', `${operation}: ${key} must be a string`] };
      }
      if (action === 'update' && fields.snapshot_name === null) return { refuse: [400, 'bad_body', `${operation}: snapshot_name cannot be cleared through a proxy with owner (the snapshot would be nobody's); give a name`] };
      if (action === 'create') {
        if (fields.metadata !== undefined && !isObject(fields.metadata)) return { refuse: [400, 'bad_body', `${operation}: metadata must be an object`] };
        if (fields.snapshot_id != null && typeof fields.snapshot_id !== 'string') return { refuse: [400, 'bad_body', `${operation}: snapshot_id must be a string`] };
        if (fields.snapshot_id != null) {
          const got = await read('snapshots', fields.snapshot_id);
          if (got.failed) return got;
          if (got.missing || !seesSnapshot(got.record)) return notFound('Snapshot', fields.snapshot_id);
        }
        return { body: { ...terminal(fields, true), metadata: { ...fields.metadata, [OWNER_KEY]: tag } } };
      }
      if (action === 'update') {
        if ('metadata' in fields) return { refuse: [400, 'bad_body', `${operation}: metadata is set when the VM is made, not updated`] };
        return { body: terminal(fields, false) };
      }
      if (action === 'snapshot') return { body: { ...fields, name: named(fields.name) } };
      if (action === 'clone') return { body: { ...fields, snapshot_name: named(fields.snapshot_name) } };
      return {};
    }

    /** A 2xx answer of `operation` (parsed JSON) as the caller sees it: filtered, names shown. */
    function after(operation, value) {
      switch (operation) {
        case 'snapshots.list':
          return Array.isArray(value) ? value.filter(seesSnapshot).map(showSnapshot) : [];
        case 'vms.list':
        case 'vms.listAll':
          return Array.isArray(value) ? value.filter(ownsVm).map(showVm) : [];
        case 'snapshots.create':
        case 'snapshots.get':
        case 'vms.snapshot':
          return showSnapshot(value);
        case 'vms.clone':
        case 'vms.resume':
          remember(tag, idOf(value));
          return showVm(value);
        case 'vms.create':
        case 'vms.get':
        case 'vms.update':
        case 'vms.suspend':
          return showVm(value);
        default:
          return value;
      }
    }

    return { before, after };
  };
}

/** The refusal for a record the caller may not see: the same as for one that does not exist. */
function notFound(noun, id) {
  return { refuse: [404, 'not_found', `${noun} '${id}' not found`] };
}

/** A request body as a JSON object ({} when empty), or undefined. */
function parse(bytes) {
  if (!bytes || bytes.length === 0) return {};
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
