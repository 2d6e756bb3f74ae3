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
 * writes it), `query` the query parameters' names, `body` the request
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
 * Every integer field of a body (one level into object properties) with a
 * `minimum`: `[{ path, min, max, clientMax, multipleOf }]`. `max` is the
 * API's `maximum` (undefined where the API caps rather than refuses), and
 * `clientMax` the client's own (`x-instavm-client-maximum`, else `max`).
 */
export function boundedIntegers(body, deref, prefix = []) {
  const out = [];
  for (const [name, raw] of Object.entries(body?.properties ?? {})) {
    const schema = deref(raw);
    const type = typeOf(schema, deref);
    const plain = schema.anyOf || schema.oneOf ? (schema.anyOf ?? schema.oneOf).map((s) => deref(s)).find((s) => typeOf(s, deref) === type) : schema;
    if (type === 'integer' && Number.isFinite(plain?.minimum)) {
      const clientMax = schema['x-instavm-client-maximum'] ?? plain['x-instavm-client-maximum'] ?? plain.maximum;
      out.push({ path: [...prefix, name], min: plain.minimum, max: plain.maximum, clientMax, multipleOf: plain.multipleOf });
    } else if (type === 'object' && prefix.length === 0) {
      out.push(...boundedIntegers(plain, deref, [name]));
    }
  }
  return out;
}

/** Every string field with an `enum`: `[{ path, values }]`. */
export function enums(body, deref, prefix = []) {
  const out = [];
  for (const [name, raw] of Object.entries(body?.properties ?? {})) {
    const schema = deref(raw);
    const plain = schema.anyOf || schema.oneOf ? (schema.anyOf ?? schema.oneOf).map((s) => deref(s)).find((s) => Array.isArray(s.enum)) ?? schema : schema;
    if (Array.isArray(plain.enum)) out.push({ path: [...prefix, name], values: plain.enum.filter((v) => v !== null) });
    else if (typeOf(schema, deref) === 'object' && prefix.length === 0) out.push(...enums(plain, deref, [name]));
  }
  return out;
}
