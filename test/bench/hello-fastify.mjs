// The app of the bench's own targets (bare, fastify-logger, fastify-otel): Fastify 5 answering `GET /`
// with a small JSON object through a response schema (fast-json-stringify), like the service's `GET /`,
// so a ratio measures what a setup adds, not a different serializer.
// It prints the same `listening` and `phase ready` lines as the service, so the bench starts all alike.
import Fastify from 'fastify';

const schema = {
  response: {
    200: { type: 'object', properties: { hello: { type: 'string' } }, required: ['hello'] },
  },
};

/** Listens on HOST:PORT (default a free port on 127.0.0.1); SIGTERM closes it and lets the process end. */
export async function startHello({ logger }) {
  const app = Fastify({ logger });
  app.get('/', { schema }, async () => ({ hello: 'world' }));

  await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
  const { port } = app.server.address();
  console.log(JSON.stringify({ event: 'listening', listener: 'app', port }));
  console.log(JSON.stringify({ event: 'phase', phase: 'ready' }));

  // No process.exit here: a preloaded SDK (fastify-otel) exits once it has flushed its spans.
  process.once('SIGTERM', () => void app.close());
  return app;
}
