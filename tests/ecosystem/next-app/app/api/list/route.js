// The client on the server, in a Route Handler: the key from the environment.
import { InstaVM } from 'instavm-wasm';

export async function GET() {
  const client = new InstaVM();
  return Response.json(await client.snapshots.list());
}
