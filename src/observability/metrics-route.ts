import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

/** `GET /metrics` on the admin listener: the app's registry in the Prometheus text format. */
export const metricsRoute: FastifyPluginAsync<{ registry: Registry }> = async (admin, { registry }) => {
  admin.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
};
