import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config/load-config.js';
import { errorHandlerPlugin } from '../http/error-handler.js';
import { prestopRoute } from '../http/prestop-route.js';
import { probeRoutes } from '../http/probes.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Terminator } from '../lifecycle/terminator.js';
import { metricsRoute } from '../observability/metrics-route.js';
import { errorCatalogue } from './error-catalogue.js';

/** What the admin listener serves: the probes read the lifecycle, /metrics the registry, /prestop the terminator. */
export interface AdminDeps {
  readonly logger: FastifyBaseLogger;
  readonly lifecycle: Lifecycle;
  readonly terminator: Terminator;
  readonly registry: Registry;
  /** Answer `Connection: close` once a shutdown began (the admin socket is shared with the next process). */
  readonly closeConnectionsInShutdown?: boolean;
}

/**
 * The admin listener: probes, metrics and the preStop hook on a port no Service exposes. It stays open while
 * the app listener drains and closes last, so the kubelet's probes keep getting answers.
 */
export async function buildAdminApp(config: Config, deps: AdminDeps): Promise<FastifyInstance> {
  const admin = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    keepAliveTimeout: config.keepAliveTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
  });
  await admin.register(errorHandlerPlugin, { catalogue: errorCatalogue });
  if (deps.closeConnectionsInShutdown) {
    const shutdown = deps.lifecycle.shutdownSignal;
    admin.addHook('onSend', (_request, reply, payload, done) => {
      if (shutdown.aborted) reply.header('connection', 'close');
      done(null, payload);
    });
  }
  await admin.register(probeRoutes, { lifecycle: deps.lifecycle });
  await admin.register(metricsRoute, { registry: deps.registry });
  await admin.register(prestopRoute, {
    lifecycle: deps.lifecycle,
    terminator: deps.terminator,
    token: config.prestopToken,
  });
  return admin;
}
