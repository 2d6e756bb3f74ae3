// A tiny app built by Vite: imports the package as a front-end developer would.
import * as pkg from 'instavm-wasm';
import { scenario } from '../scenario.js';

const params = new URLSearchParams(location.search);
scenario({ pkg, baseUrl: params.get('base'), apiKey: params.get('key') }).then((result) => {
  window.__ecosystem = result;
  document.getElementById('status').textContent = `${result.passed} passed, ${result.failed} failed`;
});
