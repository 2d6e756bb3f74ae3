// Deliberate misuse: each line marked `// misuse` must be a type error, and
// no other line may be. The types test checks exactly that.
import { InstaVM, type Snapshot } from 'instavm-wasm';

export async function misuse(client: InstaVM, s: Snapshot): Promise<void> {
  await client.snapshots.create({ oci_image: 'alpine', vcpu_count: '2' }); // misuse
  const status: 'pending' | 'building' = s.status === 'readyy' ? 'pending' : 'building'; // misuse
  await client.snapshots.create({ name: 'no image' }); // misuse
  await client.snapshots.list({ type: 'everyone' }); // misuse
  await client.vms.create({ image_variant: 'windows' }, true); // misuse
  await client.vms.snapshot(s.id, { name: 3 }, true); // misuse
  void status;
}
