import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildAdminApp } from './admin-app.js';
import { buildApp, type AppDeps } from './app.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import type { Config } from './config/settings.js';
import { describeBudget, shutdownBudget } from './config/shutdown-budget.js';
import { runStartup } from './lifecycle/startup.js';
import type { Terminator } from './lifecycle/terminator.js';
import { createLogger } from './observability/logger.js';
import { telemetry } from './observability/telemetry.js';
import { registerTelemetry } from './observability/tracing.js';
import type { ServiceInfo } from './routes/root.js';

type SignalName = 'SIGTERM' | 'SIGINT';

export interface ServiceOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly info: ServiceInfo;
  /** Where signals come from: `process` in production, an EventEmitter in tests. */
  readonly signals: {
    on(name: SignalName, listener: () => void): unknown;
    off(name: SignalName, listener: () => void): unknown;
  };
  /** Called only for an immediate exit (second SIGINT); a normal run resolves with its exit code. */
  readonly exit: (code: number) => void;
  readonly startupChecks?: AppDeps['startupChecks'];
  /** Replaces the stdout logger (tests). */
  readonly logger?: Logger;
}

export const exitCodes = { ok: 0, failed: 1, interrupted: 130 } as const;

/**
 * The process around the app: config, both listeners, startup, signals. Resolves with the exit code
 * once the service has stopped.
 */
export async function runService(options: ServiceOptions): Promise<number> {
  // Installed before anything else, so a signal during boot is never the default kill.
  const signals = latchSignals(options);
  try {
    let config: Config;
    try {
      config = loadConfig(options.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const logger = options.logger ?? createLogger('info', { service: options.info.name });
      logger.fatal({ event: 'config-invalid', problems: error.problems }, error.message);
      return exitCodes.failed;
    }
    const logger = options.logger ?? createLogger(config.logLevel, { service: options.info.name });
    logger.info(
      {
        event: 'boot',
        version: options.info.version,
        node: process.version,
        prestopMode: config.prestopMode,
        tracing: telemetry().tracing,
        shutdownBudget: describeBudget(shutdownBudget(config)),
      },
      'starting',
    );
    const app = await buildApp(config, { logger, info: options.info, startupChecks: options.startupChecks ?? [] });
    return await serve(app, config, signals);
  } finally {
    signals.remove();
  }
}

async function serve(app: FastifyInstance, config: Config, signals: SignalLatch): Promise<number> {
  const admin = await buildAdminApp(config, app);
  app.lifecycle.addCloser({
    name: 'admin-listener',
    stage: 'admin',
    timeoutMs: config.shutdownMarginMs,
    close: () => admin.close(),
  });
  registerTelemetry(app, config);

  let failure: unknown;
  try {
    // A signal that came during boot means there is nothing to serve.
    if (!signals.pending()) {
      await admin.listen({ host: config.adminHost, port: config.adminPort });
      await app.listen({ host: config.host, port: config.port });
      for (const [listener, instance] of [
        ['admin', admin],
        ['app', app],
      ] as const) {
        const address = instance.server.address();
        const port = typeof address === 'object' && address ? address.port : undefined;
        app.log.info({ event: 'listening', listener, port }, `${listener} listener on port ${port}`);
      }
    }
    // From here on the terminator takes signals, starting with one that came while binding.
    signals.attach(app.terminator);
    if (!app.lifecycle.shutdownSignal.aborted) {
      await runStartup(app.lifecycle, { timeoutMs: config.startupTimeoutMs, logger: app.log });
    }
  } catch (error) {
    failure = error;
    app.log.fatal({ event: 'startup-failed', err: error }, `startup failed: ${(error as Error).message}`);
    signals.attach(app.terminator);
    await app.terminator.shutdown('startup-failed');
  }
  const report = await app.terminator.done;
  return failure === undefined ? report.exitCode : exitCodes.failed;
}

interface SignalLatch {
  /** The first signal received before a terminator was attached, if any. */
  pending(): SignalName | undefined;
  /** Hands signals to `terminator` from now on, replaying a pending one. */
  attach(terminator: Terminator): void;
  remove(): void;
}

/**
 * Holds SIGTERM/SIGINT until the terminator can act on them (both listeners bound), so a signal that
 * arrives mid-boot stops the service cleanly instead of racing `listen()`. A second SIGINT exits at
 * once, before or after.
 */
function latchSignals({ signals, exit }: Pick<ServiceOptions, 'signals' | 'exit'>): SignalLatch {
  let terminator: Terminator | undefined;
  let pending: SignalName | undefined;
  const handle = (name: SignalName) => {
    if (terminator) {
      if (terminator.signal(name) === 'exit-now') exit(exitCodes.interrupted);
    } else if (pending && name === 'SIGINT') {
      exit(exitCodes.interrupted);
    } else {
      pending ??= name;
    }
  };
  const onTerm = () => handle('SIGTERM');
  const onInt = () => handle('SIGINT');
  signals.on('SIGTERM', onTerm);
  signals.on('SIGINT', onInt);
  return {
    pending: () => pending,
    attach(next) {
      if (terminator) return;
      terminator = next;
      if (pending) handle(pending);
    },
    remove() {
      signals.off('SIGTERM', onTerm);
      signals.off('SIGINT', onInt);
    },
  };
}
