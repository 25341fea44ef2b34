import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import { latencyBuckets } from './metrics-registry.js';
import { registerRequestHistogram } from './request-histogram.js';

/**
 * `http_request_duration_seconds` for every response of the instance it is registered on, by method,
 * route template (never the raw URL; `unmatched` for 404s) and status code.
 */
export const requestMetrics = fp<{ registry: Registry }>(
  async (app, { registry }) => {
    const requestDuration = registerRequestHistogram(registry, latencyBuckets);
    // Callback style: on every response, so no promise per request.
    app.addHook('onResponse', (request, reply, done) => {
      requestDuration.observe(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });
  },
  { name: 'request-metrics' },
);
