// Deliberate misuse: each line marked `// misuse` must be a type error, and
// no other line may be. The types test checks exactly that.
import { InstaVM, Image, type Snapshot } from 'instavm-wasm';
import { createEmulator } from 'instavm-wasm/testing';

export async function misuse(client: InstaVM, s: Snapshot): Promise<void> {
  await client.snapshots.create({ oci_image: 'alpine', vcpu_count: '2' }); // misuse
  const status: 'pending' | 'building' = s.status === 'readyy' ? 'pending' : 'building'; // misuse
  await client.snapshots.create({ name: 'no image' }); // misuse
  await client.snapshots.list({ type: 'everyone' }); // misuse
  await client.vms.create({ image_variant: 'windows' }, true); // misuse
  await client.vms.snapshot(s.id, { name: 3 }, true); // misuse
  Image.from('alpine').aptInstall(['git']); // misuse
  Image.from('alpine').disk('2'); // misuse
  new Image(); // misuse
  await client.snapshots.ensure(Image.from('alpine'), { rebuildFailed: 'no' }); // misuse
  const ensured = await client.snapshots.ensure({ oci_image: 'alpine' });
  const flag: string = ensured.reused; // misuse
  await createEmulator({ faults: { teapot: 0.1 } }); // misuse
  (await createEmulator()).advance('1s'); // misuse
  void status;
  void flag;
}
