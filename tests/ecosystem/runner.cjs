// The scenario from CommonJS: `require('instavm-wasm')` as a CJS user would
// (and `require('instavm-wasm/testing')` for the in-process run).
const pkg = require('instavm-wasm');

import('./scenario.js').then(async ({ withEmulator }) => {
  const result = await withEmulator({
    pkg,
    loadTesting: async () => require('instavm-wasm/testing'),
    baseUrl: process.env.INSTAVM_BASE_URL,
    apiKey: process.env.INSTAVM_KEYLESS === '1' ? null : process.env.INSTAVM_API_KEY,
    inProcess: process.env.INSTAVM_IN_PROCESS === '1',
  });
  console.log(`ECOSYSTEM-RESULT ${JSON.stringify(result)}`);
});
