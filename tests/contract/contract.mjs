// api/openapi.yaml read as the checks need it: every operation by the
// client's name for it (its operationId), with its method, path, query
// parameters, request body fields and bounds, and what a wait on it polls.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONTRACT_PATH = join(root, 'api', 'openapi.yaml');

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The contract as parsed, with `$ref`s resolved on demand by `deref`. */
export function loadContract(path = CONTRACT_PATH) {
  const doc = parse(readFileSync(path, 'utf8'));
  const deref = (node, seen = new Set()) => {
    if (!node || typeof node !== 'object' || typeof node.$ref !== 'string') return node;
    if (seen.has(node.$ref)) throw new Error(`a $ref cycle at ${node.$ref}`);
    const target = node.$ref.replace(/^#\//, '').split('/').reduce((at, key) => at?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    if (target === undefined) throw new Error(`${node.$ref} points nowhere`);
    return deref(target, new Set([...seen, node.$ref]));
  };
  return { doc, deref, operations: operationsOf(doc, deref) };
}

/**
 * `{ [operationId]: { method, path, pattern, query, body, wait } }`:
 * `pattern` is the path with `{}` for each parameter (as js/operations.js
 * writes it), `query` the query parameters' names (`queryParams` them whole), `body` the request
 * body's schema with its properties resolved (or undefined), `wait` the
 * operationId a wait on it polls (`x-instavm-wait`).
 */
function operationsOf(doc, deref) {
  const out = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const shared = (item.parameters ?? []).map((p) => deref(p));
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = [...shared, ...(op.parameters ?? []).map((p) => deref(p))];
      const schema = deref(deref(op.requestBody)?.content?.['application/json']?.schema);
      out[op.operationId] = {
        method: method.toUpperCase(),
        path,
        pattern: path.replace(/\{[^}]+\}/g, '{}'),
        query: params.filter((p) => p.in === 'query').map((p) => p.name).sort(),
        requiredQuery: params.filter((p) => p.in === 'query' && p.required).map((p) => p.name).sort(),
        queryParams: params.filter((p) => p.in === 'query'),
        body: schema && { ...schema, properties: Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, deref(v)])) },
        wait: op['x-instavm-wait'],
        source: op['x-instavm-source'],
        op,
      };
    }
  }
  return out;
}

/** The schema's type, or the first non-null type of a `type` list or `anyOf`/`oneOf`. */
export function typeOf(schema, deref) {
  if (!schema) return undefined;
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  if (schema.type) return schema.type;
  for (const alt of schema.anyOf ?? schema.oneOf ?? []) {
    const t = typeOf(deref(alt), deref);
    if (t && t !== 'null') return t;
  }
  return undefined;
}

/**
 * A schema with its one non-null alternative taken: `oneOf: [X, {type:
 * 'null'}]` reads as X, keeping the wrapper's own keys (a vendor extension
 * such as `x-instavm-client-maximum` may sit on either).
 */
export function plainOf(raw, deref) {
  const schema = deref(raw);
  const alternatives = (schema?.anyOf ?? schema?.oneOf ?? []).map((s) => deref(s)).filter((s) => s.type !== 'null');
  if (alternatives.length !== 1) return schema;
  const { anyOf, oneOf, ...own } = schema;
  return { ...plainOf(alternatives[0], deref), ...own };
}

/**
 * Every property of a body, and of each object-valued property one level
 * down (`build_args.disk_size_gb`) or each object in an array property
 * (`volumes.0.mount_path`, `entries.0.env_name`: the first item stands for
 * all), as `[{ path, schema }]` with `plainOf` applied. The checks below
 * pick from it; they read nullable and wrapped fields alike.
 */
export function fields(body, deref, prefix = []) {
  const out = [];
  for (const [name, raw] of Object.entries(body?.properties ?? {})) {
    const schema = plainOf(raw, deref);
    out.push({ path: [...prefix, name], schema });
    if (prefix.length > 0) continue;
    const type = typeOf(schema, deref);
    if (type === 'object') out.push(...fields(schema, deref, [name]));
    const item = type === 'array' ? plainOf(schema.items, deref) : undefined;
    if (item && typeOf(item, deref) === 'object') out.push(...fields(item, deref, [name, 0]));
  }
  return out;
}

/** Whether a schema takes null (`type: [x, 'null']`, or a null alternative of `anyOf`/`oneOf`). */
export function nullable(raw, deref) {
  const schema = deref(raw);
  if ([schema?.type].flat().includes('null')) return true;
  return (schema?.anyOf ?? schema?.oneOf ?? []).some((alt) => nullable(alt, deref));
}

/**
 * Every integer field of a body with a `minimum`: `[{ path, min, max,
 * clientMax, multipleOf }]`. `max` is the API's `maximum` (undefined where
 * the API caps rather than refuses), and `clientMax` the client's own
 * (`x-instavm-client-maximum`, else `max`).
 */
export function boundedIntegers(body, deref) {
  return fields(body, deref)
    .filter(({ schema }) => typeOf(schema, deref) === 'integer' && Number.isFinite(schema.minimum))
    .map(({ path, schema }) => ({ path, min: schema.minimum, max: schema.maximum, clientMax: schema['x-instavm-client-maximum'] ?? schema.maximum, multipleOf: schema.multipleOf }));
}

/** Every field with an `enum`: `[{ path, values }]` (null left out). */
export function enums(body, deref) {
  return fields(body, deref)
    .filter(({ schema }) => Array.isArray(schema.enum))
    .map(({ path, schema }) => ({ path, values: schema.enum.filter((v) => v !== null) }));
}

/**
 * Every string field with a `pattern`, `minLength` or `maxLength`, of a
 * body (or of a query, through `queryAsBody`): `[{ path, pattern, minLength,
 * maxLength, clientPattern }]`. `clientPattern` is false where the client
 * leaves the pattern to the server (`x-instavm-client-pattern: false`).
 */
export function constrainedStrings(body, deref) {
  return fields(body, deref)
    .filter(({ schema }) => typeOf(schema, deref) === 'string' && (schema.pattern || schema.minLength || schema.maxLength))
    .map(({ path, schema }) => ({ path, pattern: schema.pattern, minLength: schema.minLength, maxLength: schema.maxLength, clientPattern: schema['x-instavm-client-pattern'] !== false }));
}

/** An operation's query parameters as if they were a body's properties, so the checks above read them too. */
export function queryAsBody(operation) {
  return { properties: Object.fromEntries(operation.queryParams.map((p) => [p.name, p.schema])) };
}
