// The baseline for `npm run bench`: Fastify 5 with nothing of ours, no logger. Like the service's
// `GET /`, the route answers a small JSON object through a response schema (fast-json-stringify), so
// the ratio measures what the service adds, not a different serializer.
// It logs the same `listening` and `phase ready` lines as the service, so the bench starts both alike.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const schema = {
  response: {
    200: { type: 'object', properties: { hello: { type: 'string' } }, required: ['hello'] },
  },
};
app.get('/', { schema }, async () => ({ hello: 'world' }));

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
const { port } = app.server.address();
console.log(JSON.stringify({ event: 'listening', listener: 'app', port }));
console.log(JSON.stringify({ event: 'phase', phase: 'ready' }));

process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
