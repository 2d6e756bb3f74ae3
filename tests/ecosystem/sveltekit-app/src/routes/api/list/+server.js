// The client on the server, in an endpoint: the key from SvelteKit's private environment.
import { json } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import { InstaVM } from 'instavm-wasm';

export async function GET() {
  const client = new InstaVM({ apiKey: env.INSTAVM_API_KEY, baseUrl: env.INSTAVM_BASE_URL });
  return json(await client.snapshots.list());
}
