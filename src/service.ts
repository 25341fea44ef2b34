import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildAdminApp } from './admin-app.js';
import { buildApp, type AppDeps } from './app.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import type { Config } from './config/settings.js';
import { describeBudget, shutdownBudget } from './config/shutdown-budget.js';
import { runStartup } from './lifecycle/startup.js';
import { createLogger } from './observability/logger.js';
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
  let early: SignalName | undefined;
  let app: FastifyInstance | undefined;
  const onSignal = (name: SignalName) => () => {
    if (!app) {
      if (early && name === 'SIGINT') options.exit(exitCodes.interrupted);
      early ??= name;
      return;
    }
    if (app.terminator.signal(name) === 'exit-now') options.exit(exitCodes.interrupted);
  };
  const handlers = { SIGTERM: onSignal('SIGTERM'), SIGINT: onSignal('SIGINT') };
  // Installed before anything else, so a signal during boot is never the default kill.
  options.signals.on('SIGTERM', handlers.SIGTERM);
  options.signals.on('SIGINT', handlers.SIGINT);
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
        shutdownBudget: describeBudget(shutdownBudget(config)),
      },
      'starting',
    );
    app = await buildApp(config, { logger, info: options.info, startupChecks: options.startupChecks ?? [] });
    return await serve(app, config, early);
  } finally {
    options.signals.off('SIGTERM', handlers.SIGTERM);
    options.signals.off('SIGINT', handlers.SIGINT);
  }
}

async function serve(app: FastifyInstance, config: Config, early: SignalName | undefined): Promise<number> {
  const admin = await buildAdminApp(config, app);
  app.lifecycle.addCloser({
    name: 'admin-listener',
    stage: 'admin',
    timeoutMs: config.shutdownMarginMs,
    close: () => admin.close(),
  });
  if (early) app.terminator.signal(early);

  let failed = false;
  if (!app.lifecycle.shutdownSignal.aborted) {
    try {
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
      await runStartup(app.lifecycle, { timeoutMs: config.startupTimeoutMs, logger: app.log });
    } catch (error) {
      failed = true;
      app.log.fatal({ event: 'startup-failed', err: error }, `startup failed: ${(error as Error).message}`);
      await app.terminator.shutdown('startup-failed');
    }
  } else {
    await app.terminator.shutdown(early ?? 'signal');
  }
  const report = await app.terminator.done;
  return failed ? exitCodes.failed : report.exitCode;
}
