// Deliberate misuse: each line marked `// misuse` must be a type error, and
// no other line may be. The types test checks exactly that. Most lines are
// typos the client refuses at run time too: the types catch them first.
import { InstaVM, Image, type Snapshot, type ReadySnapshot, type ErrorCode } from 'instavm-wasm';
import { createEmulator } from 'instavm-wasm/testing';

export async function misuse(client: InstaVM, s: Snapshot): Promise<void> {
  await client.snapshots.create({ oci_image: 'alpine', vcpu_count: '2' }); // misuse
  const status: 'pending' | 'building' = s.status === 'readyy' ? 'pending' : 'building'; // misuse
  await client.snapshots.create({ name: 'no image' }); // misuse
  await client.snapshots.list({ type: 'everyone' }); // misuse
  await client.vms.create({ image_variant: 'windows' }, true); // misuse
  await client.vms.snapshot(s.id, { name: 3 }, true); // misuse
  Image.from('alpine').disk('2'); // misuse
  Image.from('alpine').pipInstall(['numpy', 2]); // misuse
  new Image(); // misuse
  await client.snapshots.ensure(Image.from('alpine'), { rebuildFailed: 'no' }); // misuse
  const ensured = await client.snapshots.ensure({ oci_image: 'alpine' });
  const flag: string = ensured.reused; // misuse
  await createEmulator({ faults: { teapot: 0.1 } }); // misuse
  (await createEmulator()).advance('1s'); // misuse

  // Typos of option and field names: no index signature lets them through.
  new InstaVM({ apiKey: 'k', baseURL: 'http://127.0.0.1:8787' }); // misuse
  new InstaVM(42); // misuse
  await client.vms.create({ vcpus: 2 }, true); // misuse
  await client.vms.create({ vm_lifetime_secs: 600 }); // misuse
  await client.vms.update('vm_1', { auto_suspended: true }); // misuse
  await client.snapshots.create({ oci_image: 'alpine', snapshot_type: 'user' }); // misuse
  await client.snapshots.create({ oci_image: 'alpine', build_args: { extra_pip_package: 'numpy' } }); // misuse
  await client.snapshots.waitUntilReady(s.id, { pollIntervalMS: 100 }); // misuse
  await client.snapshots.list({ type: 'user', limit: 10 }); // misuse
  await client.vms.mountVolume('vm_1', { volume_id: 'v', mountpath: '/data' }); // misuse

  // unmountVolume needs the path the volume is mounted at.
  await client.vms.unmountVolume('vm_1', 'vol_1'); // misuse
  await client.vms.unmountVolume('vm_1', 'vol_1', { wait: true }); // misuse

  // The escape hatches exist only where a body or a query is sent.
  await client.snapshots.get(s.id, { extraBody: { x: 1 } }); // misuse
  await client.snapshots.list(null, { extraBody: { x: 1 } }); // misuse
  await client.snapshots.create({ oci_image: 'alpine' }, { extraQuery: { x: 1 } }); // misuse

  // Only a waited-for snapshot is known to be ready.
  const notYet: ReadySnapshot = await client.snapshots.create({ oci_image: 'alpine' }); // misuse
  const gotten: ReadySnapshot = await client.snapshots.get(s.id); // misuse
  const typo = s.stauts; // misuse
  void typo;
  const unknownCode: ErrorCode = 'wasm_exploded'; // misuse
  void unknownCode;
  for await (const w of client.snapshots.watch(s.id)) {
    const done: 'ready' = w.status; // misuse
    void done;
  }
  const { createProxy } = await import('instavm-wasm/proxy');
  createProxy({ apiKey: 'k', allowOrigins: ['https://app.example'] }); // misuse
  createProxy({ prefix: '/instavm' }); // misuse
  createProxy({ apiKey: 'k', allow: ['vms.*'] }); // misuse
  createProxy({ apiKey: 'k', authorize: 'open' }); // misuse
  createProxy({ apiKey: 'k', authorize: 'public', owner: 'alice' }); // misuse
  createProxy({ apiKey: 'k', authorize: 'public', sharedSnapshots: 'all' }); // misuse
  createProxy({ apiKey: 'k', authorize: () => 403 }); // misuse
  void status;
  void flag;
  void notYet;
  void gotten;
}
