// The client in an edge Route Handler (`runtime = 'edge'`, which Next.js
// still offers): the package's `edge-light` build imports its wasm as Next
// wants it on the edge, with nothing to configure.
import { InstaVM } from 'instavm-wasm';

export const runtime = 'edge';

export async function GET() {
  const client = new InstaVM({ apiKey: process.env.INSTAVM_API_KEY, baseUrl: process.env.INSTAVM_BASE_URL });
  return Response.json(await client.snapshots.list());
}
