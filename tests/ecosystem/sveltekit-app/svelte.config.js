// The SvelteKit app of the ecosystem suite, as `npx sv create` lays one out,
// with adapter-node (SvelteKit's docs for a Node server): a page that runs
// the scenario in the browser through the app's own proxy, an endpoint
// serving instavm-wasm/proxy and one using the client on the server. The
// package is in `dependencies`, where `npm install instavm-wasm` puts it.
import adapter from '@sveltejs/adapter-node';

export default { kit: { adapter: adapter() } };
