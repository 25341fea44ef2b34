import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Config } from './config/settings.js';
import { errorHandlerPlugin } from './http/error-handler.js';
import { prestopRoute } from './http/prestop-route.js';
import { probeRoutes } from './http/probes.js';
import { metricsRoute } from './observability/metrics-route.js';

/**
 * The admin listener: probes, metrics and the preStop hook on a port no Service exposes. It stays open while
 * the app listener drains and closes last, so the kubelet's probes keep getting answers.
 */
export async function buildAdminApp(config: Config, app: FastifyInstance): Promise<FastifyInstance> {
  const admin = Fastify({
    loggerInstance: app.log.child({ listener: 'admin' }),
    logController: new LogController({ disableRequestLogging: true }),
    keepAliveTimeout: config.keepAliveTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
  });
  await admin.register(errorHandlerPlugin);
  await admin.register(probeRoutes, { lifecycle: app.lifecycle });
  await admin.register(metricsRoute, { registry: app.metrics.registry });
  await admin.register(prestopRoute, {
    lifecycle: app.lifecycle,
    terminator: app.terminator,
    token: config.prestopToken,
  });
  return admin;
}
