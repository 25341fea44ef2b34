import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config/load-config.js';
import { createDatabase } from '../db/database.js';
import { registerDrainMetrics } from '../http/drain-metrics.js';
import { createLifecycle, type Lifecycle, type StartupCheck } from '../lifecycle/lifecycle.js';
import { registerLifecycleMetrics } from '../lifecycle/metrics.js';
import { traceShutdown } from '../lifecycle/shutdown-span.js';
import { runStartup } from '../lifecycle/startup.js';
import { createTerminator, type ShutdownReport, type Terminator } from '../lifecycle/terminator.js';
import { createMetricsRegistry } from '../observability/metrics-registry.js';
import { telemetry as startedTelemetry, type Telemetry } from '../observability/telemetry.js';
import {
  describeListening,
  ListenFdsError,
  type InheritedListeners,
  type ListenerName,
} from '../sockets/listen-fds.js';
import { Server as NetServer } from 'node:net';
import { buildAdminApp } from './admin-app.js';
import { buildApp } from './app.js';
import type { ServiceInfo } from './info.js';

declare module 'fastify' {
  interface FastifyListenOptions {
    /**
     * A listening (or bound) socket's descriptor: Fastify hands its options to net.Server#listen,
     * which takes `{ fd }` as a handle.
     * @see https://nodejs.org/api/net.html#serverlistenhandle-backlog-callback
     */
    fd?: number;
  }
}

export interface ServiceDeps {
  readonly logger: FastifyBaseLogger;
  readonly info: ServiceInfo;
  /** Dependencies that must be up before the service is ready, besides the database (test doubles). */
  readonly startupChecks?: readonly StartupCheck[];
  /** The tracing SDK that instrumentation.ts started, if any; by default whatever it left. */
  readonly telemetry?: Telemetry;
  /** Listening sockets passed in (src/sockets/listen-fds.ts), to serve on instead of binding. */
  readonly listeners?: InheritedListeners;
}

/** Where the two listeners ended up (the ports they were given, or the ones the OS picked for port 0). */
export interface ListeningPorts {
  readonly app: number;
  readonly admin: number;
}

/** One service instance, built and wired; nothing listens or runs until asked. */
export interface Service {
  readonly config: Config;
  readonly lifecycle: Lifecycle;
  readonly registry: Registry;
  /** The app listener's Fastify instance: business routes, plus /healthz and /readyz. */
  readonly app: FastifyInstance;
  /** The admin listener's: probes, /metrics, /prestop. */
  readonly admin: FastifyInstance;
  readonly terminator: Terminator;
  /**
   * Binds the admin listener, then the app listener (or listens on the sockets passed in), and logs
   * where each listens.
   */
  listen(): Promise<ListeningPorts>;
  /** Runs the startup checks (database, migrations) and enters `ready`; `aborted` if a shutdown began. */
  start(): Promise<'ready' | 'aborted'>;
  /** Runs the shutdown once: drain, close the app listener, then every closer by stage. */
  stop(trigger: string): Promise<ShutdownReport>;
  /** Settles with the shutdown report once the service has stopped. */
  readonly done: Promise<ShutdownReport>;
}

/**
 * The composition root: the one place that builds a service instance. It creates the lifecycle, the
 * metrics registry, the resources (the database), the app, the terminator and the admin app, and
 * registers every startup check and closer. main.ts (through runService) and the tests build here.
 * @see docs/architecture.md
 */
export async function createService(config: Config, deps: ServiceDeps): Promise<Service> {
  const { logger, info, listeners } = deps;
  if (config.listenersInherited !== (listeners !== undefined)) {
    throw new ListenFdsError([
      config.listenersInherited
        ? 'LISTEN_FDS is set, but no descriptors were given'
        : 'descriptors given without LISTEN_FDS',
    ]);
  }
  const telemetry = deps.telemetry ?? startedTelemetry();
  const lifecycle = createLifecycle({ logger: logger.child({ component: 'lifecycle' }) });
  for (const check of deps.startupChecks ?? []) lifecycle.addStartupCheck(check);
  const registry = createMetricsRegistry({ generation: config.serviceGeneration });

  // Resources that requests use: each brings its startup check and its closer (stage `resources`).
  const database = createDatabase(config.dbTarget, config, { logger, registry, appName: info.name });
  if (database.startupCheck) lifecycle.addStartupCheck(database.startupCheck);
  if (database.closer) lifecycle.addCloser(database.closer);

  const app = await buildApp(config, {
    logger,
    info,
    lifecycle,
    registry,
    db: database.executor,
    tracing: telemetry.tracing,
  });
  const terminator = createTerminator({
    lifecycle,
    listener: app.connectionDrain,
    config,
    logger: logger.child({ component: 'terminator' }),
    listenersInherited: config.listenersInherited,
  });
  registerDrainMetrics(registry, app.connectionDrain);
  registerLifecycleMetrics(registry, { lifecycle, done: terminator.done });

  const admin = await buildAdminApp(config, {
    logger: logger.child({ listener: 'admin' }),
    lifecycle,
    terminator,
    registry,
    // The admin socket is shared too: its keep-alive clients (probes, scrapers) move to whoever takes it.
    closeConnectionsInShutdown: config.listenersInherited,
  });
  if (config.listenersInherited) {
    // Probes go to the next generation (or wait for the next process) as soon as this one drains.
    lifecycle.onPhase((phase) => {
      if (phase === 'draining' || phase === 'closing') NetServer.prototype.close.call(admin.server);
    });
  }
  lifecycle.addCloser({
    name: 'admin-listener',
    stage: 'admin',
    timeoutMs: config.shutdownMarginMs,
    close: () => admin.close(),
  });
  if (telemetry.tracing) {
    // The shutdown span ends, and the SDK exports what it still holds, once the resources have closed.
    const span = traceShutdown(lifecycle);
    lifecycle.addCloser({
      name: 'telemetry',
      stage: 'telemetry',
      timeoutMs: config.telemetryFlushTimeoutMs,
      async close() {
        span.end();
        await telemetry.shutdown();
      },
    });
  }

  return {
    config,
    lifecycle,
    registry,
    app,
    admin,
    terminator,
    async listen() {
      const bind = async (name: ListenerName, instance: FastifyInstance, host: string, port: number) => {
        const fd = listeners?.[name];
        if (fd === undefined) {
          await instance.listen({ host, port });
          return portOf(instance);
        }
        await instance.listen({ fd, host });
        const listening = describeListening(name, fd, instance.server.address());
        if ('problem' in listening) throw new ListenFdsError([listening.problem]);
        return listening.port;
      };
      const ports = {
        admin: await bind('admin', admin, config.adminHost, config.adminPort),
        app: await bind('app', app, config.host, config.port),
      };
      for (const listener of ['admin', 'app'] as const) {
        const port = ports[listener];
        const fd = listeners?.[listener];
        logger.info(
          { event: 'listening', listener, port, ...(fd !== undefined && { fd }) },
          `${listener} listener on port ${port}${fd === undefined ? '' : ` (inherited fd ${fd})`}`,
        );
      }
      return ports;
    },
    start: () => runStartup(lifecycle, { timeoutMs: config.startupTimeoutMs, logger }),
    stop: (trigger) => terminator.shutdown(trigger),
    done: terminator.done,
  };
}

function portOf(instance: FastifyInstance): number {
  const address = instance.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}
