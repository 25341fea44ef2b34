// Fastify's inject (light-my-request) require()s `cookie`, which is ESM-only since v2. Node 24 loads
// ESM through require() natively, but Jest 29's module loader cannot, so this one module is handed to
// Node's own require. Test plumbing only: production code never goes through Jest.
const { createRequire } = require('node:module');

module.exports = createRequire(__filename)('cookie');
