// A tiny app built by Vite: imports the package as a front-end developer would.
import * as pkg from 'instavm-wasm';
import { withEmulator } from '../scenario.js';

const params = new URLSearchParams(location.search);
withEmulator({
  pkg,
  loadTesting: () => import('instavm-wasm/testing'),
  baseUrl: params.get('base'),
  apiKey: params.get('key'),
  inProcess: params.get('inprocess') === '1',
}).then((result) => {
  window.__ecosystem = result;
  document.getElementById('status').textContent = `${result.passed} passed, ${result.failed} failed`;
});
