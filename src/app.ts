import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from './config/settings.js';
import { databasePlugin } from './db/plugin.js';
import { resolveDbTarget } from './db/target.js';
import { connectionDrainPlugin } from './http/connection-drain.js';
import { errorHandlerPlugin } from './http/error-handler.js';
import { probeRoutes } from './http/probes.js';
import { overloadProtection } from './http/overload.js';
import { startupGate } from './http/startup-gate.js';
import type { StartupCheck } from './lifecycle/lifecycle.js';
import { lifecyclePlugin, terminatorPlugin } from './lifecycle/plugins.js';
import { metricsPlugin } from './observability/metrics.js';
import { createOrdersRepository } from './orders/repository.js';
import { orderRoutes } from './orders/routes.js';
import { debugRoutes } from './routes/debug.js';
import { rootRoute, type ServiceInfo } from './routes/root.js';

const probePaths = new Set(['/healthz', '/readyz']);

export interface AppDeps {
  readonly logger: FastifyBaseLogger;
  readonly info: ServiceInfo;
  /** Dependencies that must be up before the service is ready. */
  readonly startupChecks?: readonly StartupCheck[];
}

/**
 * Builds the app listener's Fastify instance: infrastructure, then routes. It never listens, reads
 * the environment or installs signal handlers (see service.ts), so tests can build many side by side.
 */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({
      // Probe traffic every few seconds would drown the request log.
      disableRequestLogging: (request) => !config.logRequests || probePaths.has(request.url),
    }),
    // Draining is ours (connection-drain.ts): no 503 for requests on open connections, no cut sockets.
    return503OnClosing: false,
    forceCloseConnections: false,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    bodyLimit: config.bodyLimitBytes,
    // Unknown fields are a client mistake to report (400), not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
  });
  const db = resolveDbTarget(config);

  await app.register(lifecyclePlugin, { startupChecks: deps.startupChecks ?? [] });
  await app.register(errorHandlerPlugin);
  await app.register(connectionDrainPlugin);
  await app.register(terminatorPlugin, { config });
  await app.register(metricsPlugin);
  await app.register(databasePlugin, {
    config,
    target: db.status === 'ok' ? db.target : undefined,
    appName: deps.info.name,
  });

  await app.register(probeRoutes, { lifecycle: app.lifecycle });
  await app.register(async (business) => {
    await business.register(overloadProtection, { config });
    await business.register(startupGate);
    await business.register(rootRoute, { info: deps.info });
    await business.register(async (io) => {
      // Routes that wait on I/O get a deadline. Not every route: Fastify's costs a timer and an
      // AbortController per request, a tenth of a bare request in `npm run bench`.
      io.addHook('onRoute', (route) => {
        route.handlerTimeout ??= config.handlerTimeoutMs;
      });
      await io.register(orderRoutes, { orders: createOrdersRepository({ db: app.db }) });
      if (config.debugRoutes) await io.register(debugRoutes, { delayMaxMs: config.debugDelayMaxMs, db: app.db });
    });
  });
  return app;
}
