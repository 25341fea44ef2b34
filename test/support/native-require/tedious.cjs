// tedious pulls in @azure/identity, whose dependencies (https-proxy-agent, …) are ESM-only. Node 24
// require()s them natively, Jest 29's module loader cannot, so the driver and everything under it is
// loaded by Node's own require. Test plumbing only: production code never goes through Jest.
// process.getBuiltinModule, because Jest's own `node:module` hands back a require that goes through
// Jest again. Named one by one because Jest finds the named exports of a CommonJS module by reading its source.
const { createRequire } = process.getBuiltinModule('node:module');

const tedious = createRequire(__filename)('tedious');
exports.BulkLoad = tedious.BulkLoad;
exports.Connection = tedious.Connection;
exports.ConnectionError = tedious.ConnectionError;
exports.ISOLATION_LEVEL = tedious.ISOLATION_LEVEL;
exports.InputError = tedious.InputError;
exports.Request = tedious.Request;
exports.RequestError = tedious.RequestError;
exports.TDS_VERSION = tedious.TDS_VERSION;
exports.TYPES = tedious.TYPES;
exports.connect = tedious.connect;
exports.library = tedious.library;
