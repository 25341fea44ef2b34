import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from '../config/load-config.js';
import { describeBudget } from '../config/shutdown-budget.js';
import { handoffTrigger, type StartupCheck } from '../lifecycle/lifecycle.js';
import { createLogger, flushLogs } from '../observability/logger.js';
import { telemetry } from '../observability/telemetry.js';
import { inheritedListeners, ListenFdsError, type InheritedListeners } from '../sockets/listen-fds.js';
import { isHandoffMessage, type GenerationMessage } from '../supervisor/protocol.js';
import { createService, type Service } from './create-service.js';
import type { ServiceInfo } from './info.js';
import { exitCodes, latchSignals, type SignalSource } from './signal-latch.js';

export { exitCodes } from './signal-latch.js';

/** The IPC channel to the one-host supervisor (`process`, when it spawned this process). */
export interface SupervisorChannel {
  send(message: GenerationMessage): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
}

export interface ServiceOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly info: ServiceInfo;
  readonly signals: SignalSource;
  /** Called only for an immediate exit (second SIGINT); a normal run resolves with its exit code. */
  readonly exit: (code: number) => void;
  readonly startupChecks?: readonly StartupCheck[];
  /** Replaces the stdout logger (tests). */
  readonly logger?: Logger;
  /** Set when the supervisor started this process as one of its generations (SERVICE_GENERATION). */
  readonly supervisor?: SupervisorChannel;
  /** This process's id, which LISTEN_PID must name; `process.pid` unless a test says otherwise. */
  readonly pid?: number;
  /**
   * Where uncaught exceptions and unhandled rejections are reported (`process`): each is logged as one
   * JSON line, the log is flushed, and the process exits 1.
   */
  readonly crashes?: CrashSource;
}

/** `process`, as far as crashes go. */
export interface CrashSource {
  on(event: 'uncaughtException' | 'unhandledRejection', listener: (error: unknown) => void): unknown;
  off(event: 'uncaughtException' | 'unhandledRejection', listener: (error: unknown) => void): unknown;
}

/**
 * The process around one service instance: config errors, the signal latch, exit codes, and, under the
 * supervisor, its channel. Building, listening, starting and stopping are createService's. Resolves with
 * the exit code once stopped.
 */
export async function runService(options: ServiceOptions): Promise<number> {
  // Installed before anything else, so a signal during boot is never the default kill.
  const signals = latchSignals(options.signals, options.exit);
  let unfollow = () => {};
  // Until the configuration says how to log, a crash is logged the default way.
  let crashLogger: Logger | undefined;
  const onCrash = (error: unknown) => {
    const logger = crashLogger ?? options.logger ?? createLogger('info', { service: options.info.name });
    logger.fatal({ event: 'crash', err: error }, `crashed: ${error instanceof Error ? error.message : String(error)}`);
    void flushLogs().then(() => options.exit(exitCodes.failed));
  };
  options.crashes?.on('uncaughtException', onCrash);
  options.crashes?.on('unhandledRejection', onCrash);
  try {
    let config: Config;
    let listeners: InheritedListeners | undefined;
    try {
      config = loadConfig(options.env);
      listeners = inheritedListeners(options.env, options.pid);
    } catch (error) {
      if (!(error instanceof ConfigError || error instanceof ListenFdsError)) throw error;
      const logger = options.logger ?? createLogger('info', { service: options.info.name });
      logger.fatal({ event: 'config-invalid', problems: error.problems }, error.message);
      return exitCodes.failed;
    }
    const generation = config.serviceGeneration;
    const logger =
      options.logger ??
      createLogger(
        config.logLevel,
        { service: options.info.name, ...(generation > 0 && { generation }) },
        { flushIntervalMs: config.logFlushIntervalMs },
      );
    crashLogger = logger;
    logger.info(
      {
        event: 'boot',
        version: options.info.version,
        node: process.version,
        prestopMode: config.prestopMode,
        listeners: listeners ? 'inherited' : 'bound',
        tracing: telemetry().tracing,
        shutdownBudget: describeBudget(config.shutdownBudget),
      },
      'starting',
    );
    const service = await createService(config, {
      logger,
      info: options.info,
      startupChecks: options.startupChecks ?? [],
      listeners,
    });
    const supervisor = generation > 0 ? options.supervisor : undefined;
    if (supervisor) unfollow = followSupervisor(supervisor, service, logger, options.signals);

    let failure: unknown;
    try {
      if (config.listenersInherited) {
        // On a shared socket the kernel hands over connections the moment a process listens: this one
        // listens only once it can serve them, and a signal meanwhile stops the startup.
        signals.attach(service.terminator);
        const started = await service.start();
        if (started === 'ready' && !service.lifecycle.shutdownSignal.aborted) {
          const ports = await service.listen();
          supervisor?.send({ type: 'ready', generation, ports });
        }
      } else {
        // A signal that came during boot means there is nothing to serve.
        if (!signals.pending()) await service.listen();
        // From here on the terminator takes signals, starting with one that came while binding.
        signals.attach(service.terminator);
        if (!service.lifecycle.shutdownSignal.aborted) await service.start();
      }
    } catch (error) {
      failure = error;
      const message = (error as Error).message;
      logger.fatal({ event: 'startup-failed', err: error }, `startup failed: ${message}`);
      supervisor?.send({ type: 'failed', generation, error: message });
      signals.attach(service.terminator);
      await service.stop('startup-failed');
    }
    const report = await service.done;
    return failure === undefined ? report.exitCode : exitCodes.failed;
  } finally {
    signals.remove();
    unfollow();
    options.crashes?.off('uncaughtException', onCrash);
    options.crashes?.off('unhandledRejection', onCrash);
  }
}

/**
 * A generation under the supervisor: a handoff message drains it (the next generation serves the same
 * sockets already), losing the supervisor stops it, and SIGHUP is the supervisor's, not its own.
 * Returns what takes the SIGHUP listener off again.
 */
function followSupervisor(
  channel: SupervisorChannel,
  service: Service,
  logger: Logger,
  signals: SignalSource,
): () => void {
  channel.on('message', (message) => {
    if (!isHandoffMessage(message)) return;
    logger.info({ event: 'handoff', phase: service.lifecycle.phase }, 'the next generation is ready: draining');
    void service.stop(handoffTrigger);
  });
  channel.on('disconnect', () => {
    if (service.lifecycle.shutdownSignal.aborted) return;
    logger.warn({ event: 'supervisor-gone' }, 'the supervisor is gone: stopping');
    void service.stop('supervisor-gone');
  });
  const onHup = () =>
    logger.warn({ event: 'signal', signal: 'SIGHUP' }, 'SIGHUP ignored: the supervisor restarts generations');
  signals.on('SIGHUP', onHup);
  return () => signals.off('SIGHUP', onHup);
}
