// js/index.d.ts against api/openapi.yaml: the contract's schemas are turned
// into types by openapi-typescript, and `tsc --strict` checks that each of
// our parameter and record types names exactly the fields of its schema. The
// field types may differ on purpose (the client takes a package list as a
// string or an array, and normalises records), the names may not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONTRACT_PATH, root } from './contract.mjs';

/** Our type in js/index.d.ts, and the contract's schema it must name the fields of. */
const PAIRS = [
  ['CreateSnapshotParams', 'CreateSnapshotRequest'],
  ['BuildArgs', 'BuildArgs'],
  ['Snapshot', 'Snapshot'],
  ['CreateVmParams', 'CreateVmRequest'],
  ['UpdateVmParams', 'UpdateVmRequest'],
  ['VmSnapshotParams', 'VmSnapshotRequest'],
  ['CloneVmParams', 'CloneVmRequest'],
  ['VolumeMount', 'VolumeMount'],
  ['EgressPolicy', 'EgressPolicy'],
  ['Vm', 'Vm'],
  ['Volume', 'Volume'],
];

test("js/index.d.ts's parameter and record types name exactly the contract's fields, and its enums' values (openapi-typescript, tsc --strict)", () => {
  const dir = join(root, '.tmp', 'contract-types');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const generated = spawnSync(process.execPath, [join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), CONTRACT_PATH, '--output', join(dir, 'openapi.d.ts')], { encoding: 'utf8' });
  assert.equal(generated.status, 0, `openapi-typescript: ${generated.stderr}`);

  // For each pair, the names one has and the other lacks must be `never`:
  // tsc then prints the odd names out in its error.
  const checks = PAIRS.map(
    ([ours, theirs], i) => `
type Ours${i} = Ours.${ours};
type Spec${i} = components['schemas']['${theirs}'];
export const onlyInContract${i}: [Exclude<keyof Spec${i}, keyof Ours${i}>] extends [never] ? '${ours} names every field of ${theirs}' : Exclude<keyof Spec${i}, keyof Ours${i}> = '${ours} names every field of ${theirs}';
export const onlyInOurs${i}: [Exclude<keyof Ours${i}, keyof Spec${i}>] extends [never] ? '${theirs} has every field ${ours} names' : Exclude<keyof Ours${i}, keyof Spec${i}> = '${theirs} has every field ${ours} names';`,
  );
  // And where the contract's field is an enum, ours has exactly its values.
  const enumChecks = PAIRS.map(
    (_, i) => `export const enumsOf${i}: [EnumMismatch<Ours${i}, Spec${i}>] extends [never] ? 'the same values' : EnumMismatch<Ours${i}, Spec${i}> = 'the same values';`,
  );
  const helpers = `
type LiteralKeys<T> = { [K in keyof T]-?: string extends NonNullable<T[K]> ? never : NonNullable<T[K]> extends string ? K : never }[keyof T];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type EnumMismatch<O, S> = { [K in LiteralKeys<S> & keyof O]: Same<NonNullable<O[K]>, NonNullable<S[K]>> extends true ? never : K }[LiteralKeys<S> & keyof O];`;
  writeFileSync(
    join(dir, 'check.ts'),
    `import type { components } from './openapi';\nimport type * as Ours from '../../js/index';\n${helpers}\n${checks.join('\n')}\n${enumChecks.join('\n')}\n`,
  );
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', join(dir, 'check.ts')], { encoding: 'utf8' });
  assert.equal(tsc.status, 0, `the types and the contract name different fields:\n${tsc.stdout}${tsc.stderr}`);
});
