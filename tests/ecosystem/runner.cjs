// The scenario from CommonJS: `require('instavm-wasm')` as a CJS user would.
const pkg = require('instavm-wasm');

import('./scenario.js').then(async ({ scenario }) => {
  const result = await scenario({ pkg, baseUrl: process.env.INSTAVM_BASE_URL, apiKey: process.env.INSTAVM_API_KEY });
  console.log(`ECOSYSTEM-RESULT ${JSON.stringify(result)}`);
});
