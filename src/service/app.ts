import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config/load-config.js';
import type { QueryExecutor } from '../db/query-executor.js';
import { debugRoutes } from '../debug/routes.js';
import { connectionDrainPlugin } from '../http/connection-drain.js';
import { errorHandlerPlugin } from '../http/error-handler.js';
import { overloadProtection } from '../http/overload.js';
import { probeRoutes } from '../http/probes.js';
import { startupGate } from '../http/startup-gate.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import { requestLog } from '../observability/request-log.js';
import { requestMetrics } from '../observability/request-metrics.js';
import { requestSpans } from '../observability/request-span.js';
import { createOrdersRepository } from '../orders/repository.js';
import { orderRoutes } from '../orders/routes.js';
import { errorCatalogue } from './error-catalogue.js';
import { infoRoute, type ServiceInfo } from './info.js';

const probePaths = new Set(['/healthz', '/readyz']);

/** What the app listener's routes use; the composition root (create-service.ts) builds each of them. */
export interface AppDeps {
  readonly logger: FastifyBaseLogger;
  readonly info: ServiceInfo;
  readonly lifecycle: Lifecycle;
  readonly registry: Registry;
  /** The query executor; without a configured database every query rejects with DB_NOT_CONFIGURED. */
  readonly db: QueryExecutor;
  /** Tracing is on (instrumentation.ts started the SDK): every request gets a span. */
  readonly tracing?: boolean;
}

/**
 * Builds the app listener's Fastify instance: infrastructure, then routes. It never listens, reads
 * the environment or installs signal handlers; only createService calls it.
 */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const { lifecycle, registry } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    // Fastify's two lines per request are replaced by one, once answered (request-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    // Draining is ours (connection-drain.ts): no 503 for requests on open connections, no cut sockets.
    return503OnClosing: false,
    forceCloseConnections: false,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    bodyLimit: config.bodyLimitBytes,
    // Unknown fields are a client mistake to report (400), not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
  });

  // First, so that every later hook and handler runs in the request's span.
  if (deps.tracing) await app.register(requestSpans, { untracedPaths: probePaths });
  await app.register(errorHandlerPlugin, { catalogue: errorCatalogue });
  await app.register(connectionDrainPlugin, { lifecycle });
  await app.register(requestMetrics, { registry });
  if (config.logRequests) await app.register(requestLog, { unloggedPaths: probePaths });

  await app.register(probeRoutes, { lifecycle });
  await app.register(async (business) => {
    await business.register(overloadProtection, { config, registry });
    await business.register(startupGate, { lifecycle });
    await business.register(infoRoute, { info: deps.info });
    await business.register(async (io) => {
      // Routes that wait on I/O get a deadline. Not every route: Fastify's costs a timer and an
      // AbortController per request, a tenth of a bare request in `npm run bench`.
      io.addHook('onRoute', (route) => {
        route.handlerTimeout ??= config.handlerTimeoutMs;
      });
      await io.register(orderRoutes, { orders: createOrdersRepository({ db: deps.db }) });
      if (config.debugRoutes) await io.register(debugRoutes, { delayMaxMs: config.debugDelayMaxMs, db: deps.db });
    });
  });
  return app;
}
