// A stand-in for an OpenTelemetry collector, run as its own child process by the bench: it takes OTLP/HTTP
// exports (POST /v1/traces, and /v1/metrics or /v1/logs should the SDK send them), answers 200 with an
// empty body, and counts what arrived. In its own process it never stalls the load generator's event loop;
// it still shares the machine's 2 cores, as a node-local collector would.
// GET /stats answers the counts so far; GET /traces answers how many spans each trace received since
// the last GET /traces (as {spans: traces}), then forgets those traces.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { jsonSpanTraceIds, protobufSpanTraceIds } from './otlp-spans.mjs';

const stats = { exports: 0, bytes: 0, spans: 0, undecoded: 0, byPath: {} };
/** Spans received per trace id: a trace's spans may come in several exports. */
let spansByTrace = new Map();

function traceIdsOf(body, headers) {
  const raw = headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
  return headers['content-type']?.includes('json') ? jsonSpanTraceIds(raw.toString('utf8')) : protobufSpanTraceIds(raw);
}

function record(request, body) {
  stats.exports++;
  stats.bytes += body.length;
  stats.byPath[request.url] = (stats.byPath[request.url] ?? 0) + 1;
  if (request.url !== '/v1/traces') return;
  try {
    for (const traceId of traceIdsOf(body, request.headers)) {
      stats.spans++;
      spansByTrace.set(traceId, (spansByTrace.get(traceId) ?? 0) + 1);
    }
  } catch {
    // A body we cannot decode still proves an export arrived; say so rather than fail the exporter.
    stats.undecoded++;
  }
}

/** How many traces received how many spans, e.g. {"3": 41000, "1": 1}; then a clean slate. */
function takeTraceShapes() {
  const tracesBySpans = {};
  for (const spans of spansByTrace.values()) tracesBySpans[spans] = (tracesBySpans[spans] ?? 0) + 1;
  const traces = spansByTrace.size;
  spansByTrace = new Map();
  return { traces, tracesBySpans };
}

function answer(response, body) {
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') return answer(response, stats);
  if (request.method === 'GET' && request.url === '/traces') return answer(response, takeTraceShapes());
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    if (request.method === 'POST') record(request, Buffer.concat(chunks));
    response.writeHead(request.method === 'POST' ? 200 : 404, { 'content-length': 0 }).end();
  });
});

server.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, () => {
  console.log(JSON.stringify({ event: 'listening', listener: 'app', port: server.address().port }));
  console.log(JSON.stringify({ event: 'phase', phase: 'ready' }));
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
