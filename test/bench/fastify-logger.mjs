// The bench's fastify-logger target: the baseline app with Fastify's default logger (`logger: true`:
// pino to stdout, an "incoming request" and a "request completed" line per request).
import { startHello } from './hello-fastify.mjs';

await startHello({ logger: true });
