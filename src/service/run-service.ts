import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from '../config/load-config.js';
import { describeBudget } from '../config/shutdown-budget.js';
import type { StartupCheck } from '../lifecycle/lifecycle.js';
import { createLogger } from '../observability/logger.js';
import { telemetry } from '../observability/telemetry.js';
import { createService } from './create-service.js';
import type { ServiceInfo } from './info.js';
import { exitCodes, latchSignals, type SignalSource } from './signal-latch.js';

export { exitCodes } from './signal-latch.js';

export interface ServiceOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly info: ServiceInfo;
  readonly signals: SignalSource;
  /** Called only for an immediate exit (second SIGINT); a normal run resolves with its exit code. */
  readonly exit: (code: number) => void;
  readonly startupChecks?: readonly StartupCheck[];
  /** Replaces the stdout logger (tests). */
  readonly logger?: Logger;
}

/**
 * The process around one service instance: config errors, the signal latch and exit codes. Building,
 * listening, starting and stopping are createService's. Resolves with the exit code once stopped.
 */
export async function runService(options: ServiceOptions): Promise<number> {
  // Installed before anything else, so a signal during boot is never the default kill.
  const signals = latchSignals(options.signals, options.exit);
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
        shutdownBudget: describeBudget(config.shutdownBudget),
      },
      'starting',
    );
    const service = await createService(config, {
      logger,
      info: options.info,
      startupChecks: options.startupChecks ?? [],
    });

    let failure: unknown;
    try {
      // A signal that came during boot means there is nothing to serve.
      if (!signals.pending()) await service.listen();
      // From here on the terminator takes signals, starting with one that came while binding.
      signals.attach(service.terminator);
      if (!service.lifecycle.shutdownSignal.aborted) await service.start();
    } catch (error) {
      failure = error;
      logger.fatal({ event: 'startup-failed', err: error }, `startup failed: ${(error as Error).message}`);
      signals.attach(service.terminator);
      await service.stop('startup-failed');
    }
    const report = await service.done;
    return failure === undefined ? report.exitCode : exitCodes.failed;
  } finally {
    signals.remove();
  }
}
