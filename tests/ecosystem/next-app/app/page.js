'use client';
// A client component: the client at module scope, as a page would hold it
// (prerendered on the server, where its path baseUrl has no page yet), and
// the ecosystem scenario run in the browser through the app's own proxy.
import { useEffect, useState } from 'react';
import * as pkg from 'instavm-wasm';
import { withEmulator } from '../scenario.js';

const client = new pkg.InstaVM({ baseUrl: '/instavm', apiKey: null });

export default function Page() {
  const [status, setStatus] = useState('running');
  useEffect(() => {
    const params = new URLSearchParams(location.search);
    withEmulator({ pkg, loadTesting: () => import('instavm-wasm/testing'), baseUrl: `${location.origin}/instavm`, apiKey: null, inProcess: params.get('inprocess') === '1' }).then(async (result) => {
      // The module-scope client works too, once in the page.
      const listed = await client.snapshots.list().then((l) => Array.isArray(l), () => false);
      result.results.push({ name: 'a client made at module scope lists through the proxy', ok: listed, detail: '' });
      result[listed ? 'passed' : 'failed'] += 1;
      window.__ecosystem = result;
      setStatus(`${result.passed} passed, ${result.failed} failed`);
    });
  }, []);
  return <p id="status">{status}</p>;
}
