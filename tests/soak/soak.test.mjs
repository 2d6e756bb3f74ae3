// A bounded soak: 500 mixed operations at a concurrency of 16 against an
// emulator injecting about 30% faults (SOAK_URL), among them answers lost
// after the server acted (`reset`, `lost`, `gateway`), with Idempotency-Key
// replay off (the emulator's default, as the documented API). Then a
// reconciliation with the emulator's state, read with faults switched off:
// duplicates (a record beyond one per call) and lost records (a reported
// record the server does not hold) must be none; orphans (a record of a call
// that rejected saying it may have acted) are counted and reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstaVM, InstaVMError } from 'instavm-wasm';

const SOAK_URL = process.env.SOAK_URL;
const OPS = 500;
const CONCURRENCY = 16;
const apiKey = `instavm_sk_soak_${process.pid}_${Date.now()}`;
const WAIT = { pollIntervalMs: 100, maxPollIntervalMs: 300, timeoutMs: 30_000 };

/** A seeded generator, so a failing run can be replayed. */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const unhandled = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

test(`${OPS} operations under injected faults: nothing lost, duplicated or leaked`, { timeout: 600_000 }, async () => {
  assert.ok(SOAK_URL, 'SOAK_URL must point at an emulator started with --faults');
  // Enough retries that a create whose answer was lost is practically always
  // recovered: with ~13% of attempts ambiguous, 7 in a row is ~6e-7.
  const client = new InstaVM({ apiKey, baseUrl: SOAK_URL, timeoutMs: 1000, maxRetries: 6 });
  const random = rng(Number(process.env.SOAK_SEED ?? 20261127));
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const counts = { ok: 0, typed: 0, untyped: 0 };
  // Calls that rejected with mayHaveActed, by what they would have made.
  const mayHaveMade = { snapshots: 0, vms: 0 };
  /** A create-like call: a rejection that may have acted is counted against what it makes. */
  const making = (kind, promise) =>
    promise.catch((e) => {
      if (e?.mayHaveActed) mayHaveMade[kind] += 1;
      throw e;
    });
  const byOp = {};
  const created = new Set(); // snapshots (built or captured) the client reported created
  const deleteTried = new Set();
  const deleted = new Set();
  const vms = new Set();
  const vmDeleteTried = new Set();
  const vmDeleted = new Set();
  const live = () => [...vms].filter((v) => !vmDeleteTried.has(v));
  const known = () => [...created];

  const ops = {
    async create() {
      const s = await making('snapshots', client.snapshots.create({ oci_image: 'docker.io/library/python:3.11-slim', build_args: { extra_pip_packages: ['numpy'] } }));
      created.add(s.id);
      await client.snapshots.waitUntilReady(s.id, WAIT);
    },
    async get() {
      const id = pick(known());
      if (id) await client.snapshots.get(id);
      else await client.snapshots.list();
    },
    async list() {
      await client.snapshots.list({ type: 'user' });
    },
    async delete() {
      const id = pick(known().filter((x) => !deleteTried.has(x)));
      if (!id) return client.snapshots.list();
      deleteTried.add(id);
      await client.snapshots.delete(id);
      deleted.add(id);
    },
    async vmCreate() {
      const vm = await making('vms', client.vms.create({}, true));
      vms.add(vm.vm_id);
    },
    async vmSnapshot() {
      const vm = pick(live());
      if (!vm) return ops.vmCreate();
      const s = await making('snapshots', client.vms.snapshot(vm, { name: 'soak' }, false));
      created.add(s.id);
      await client.snapshots.waitUntilReady(s.id, WAIT);
    },
    async vmDelete() {
      const vm = pick(live());
      if (!vm) return client.vms.list();
      vmDeleteTried.add(vm);
      await client.vms.delete(vm);
      vmDeleted.add(vm);
    },
  };
  const mix = [['create', 0.3], ['get', 0.15], ['list', 0.15], ['delete', 0.15], ['vmCreate', 0.1], ['vmSnapshot', 0.1], ['vmDelete', 0.05]];
  const choose = () => {
    let r = random();
    for (const [name, p] of mix) if ((r -= p) < 0) return name;
    return 'list';
  };

  let next = 0;
  const worker = async () => {
    while (next < OPS) {
      next += 1;
      const name = choose();
      byOp[name] = (byOp[name] ?? 0) + 1;
      try {
        await ops[name]();
        counts.ok += 1;
      } catch (e) {
        if (e instanceof InstaVMError) counts.typed += 1;
        else {
          counts.untyped += 1;
          console.log(`# untyped failure in ${name}: ${e?.stack ?? e}`);
        }
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  // Reconcile, with faults off for these reads.
  const clean = new InstaVM({ apiKey, baseUrl: SOAK_URL, headers: { 'X-Emulator-Fault': 'none' } });
  const held = new Set((await clean.snapshots.list()).map((s) => s.id));
  const heldVms = new Map((await clean.vms.listAll()).map((v) => [v.vm_id, v.status]));
  const unknownSnapshots = [...held].filter((id) => !created.has(id));
  const lostSnapshots = [...created].filter((id) => !deleteTried.has(id) && !held.has(id));
  const undeleted = [...deleted].filter((id) => held.has(id));
  const unknownVms = [...heldVms.keys()].filter((id) => !vms.has(id));
  const lostVms = [...vms].filter((id) => !heldVms.has(id));
  const vmsNotTerminated = [...vmDeleted].filter((id) => heldVms.get(id) !== 'terminated');

  // A record nobody reported is an orphan while calls that may have made it
  // account for it, and a duplicate beyond them.
  const orphans = { snapshots: Math.min(unknownSnapshots.length, mayHaveMade.snapshots), vms: Math.min(unknownVms.length, mayHaveMade.vms) };
  const duplicates = { snapshots: unknownSnapshots.length - orphans.snapshots, vms: unknownVms.length - orphans.vms };
  console.log(
    `# soak: duplicates ${JSON.stringify(duplicates)}, lost ${JSON.stringify({ snapshots: lostSnapshots.length, vms: lostVms.length })}, ` +
      `orphans ${JSON.stringify(orphans)} (calls that rejected with mayHaveActed: ${JSON.stringify(mayHaveMade)})`,
  );
  console.log(
    `# soak: ${OPS} ops (${JSON.stringify(byOp)}) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
      `${counts.ok} succeeded, ${counts.typed} typed errors, ${counts.untyped} untyped; ` +
      `snapshots created ${created.size}, deleted ${deleted.size} (${deleteTried.size} tried), held ${held.size}; ` +
      `VMs created ${vms.size}, deleted ${vmDeleted.size}, held ${heldVms.size}; unhandled rejections ${unhandled.length}`,
  );
  assert.equal(counts.ok + counts.typed + counts.untyped, OPS);
  assert.equal(counts.untyped, 0, 'every failure is a typed error');
  assert.deepEqual(unhandled, [], 'no unhandled rejection');
  assert.deepEqual(duplicates, { snapshots: 0, vms: 0 }, 'no snapshot or VM made twice');
  assert.deepEqual(lostSnapshots, [], 'no reported snapshot is missing');
  assert.deepEqual(undeleted, [], 'every successful delete is gone');

  assert.deepEqual(lostVms, [], 'no reported VM is missing');
  assert.deepEqual(vmsNotTerminated, [], 'every deleted VM is terminated');
  // What the client reported equals what the emulator holds.
  const expectedHeld = [...created].filter((id) => !deleteTried.has(id));
  const ambiguousDeletes = [...deleteTried].filter((id) => !deleted.has(id) && held.has(id));
  assert.equal(held.size, expectedHeld.length + ambiguousDeletes.length + orphans.snapshots);
  assert.equal(heldVms.size, vms.size + orphans.vms);
  assert.ok(counts.ok > OPS / 2, `most operations succeed despite the faults (${counts.ok})`);
});
