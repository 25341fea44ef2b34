// The baseline for `npm run bench`, and with `--import ./fastify-otel-setup.mjs` its fastify-otel
// target: Fastify 5 with nothing of ours, no logger.
import { startHello } from './hello-fastify.mjs';

await startHello({ logger: false });
