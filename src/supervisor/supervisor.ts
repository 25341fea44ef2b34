import { constants } from 'node:os';
import type { Logger } from 'pino';
import { sleep } from '../timing/sleep.js';
import type { Generation, GenerationExit } from './generation.js';

type Signal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

/** Where signals come from: `process` in production, an EventEmitter in tests. */
export interface SupervisorSignals {
  on(name: Signal, listener: () => void): unknown;
  off(name: Signal, listener: () => void): unknown;
}

export interface SupervisorOptions {
  readonly logger: Logger;
  readonly signals: SupervisorSignals;
  /**
   * Starts generation `number` on the supervisor's sockets (generation.ts); `beside` when another one is
   * serving meanwhile (a reload), whose requests its start should not slow (priority.ts).
   */
  readonly start: (number: number, context: { readonly beside: boolean }) => Generation;
  /** How long a new generation may take to say it is ready or failed (STARTUP_TIMEOUT_MS and a margin). */
  readonly readyTimeoutMs: number;
  /** How long a generation may take to stop before it gets SIGKILL (TERMINATION_GRACE_PERIOD_SECONDS). */
  readonly stopTimeoutMs: number;
  readonly restartDelayMinMs: number;
  readonly restartDelayMaxMs: number;
}

type Launch =
  | { readonly generation: Generation; readonly ready: true }
  | { readonly generation: Generation; readonly ready: false; readonly cause: string };

/** A process's exit status as a shell reports it: its code, or 128 plus the number of the signal that ended it. */
export function exitStatus({ code, signal }: GenerationExit): number {
  if (code !== null) return code;
  return 128 + (signal ? constants.signals[signal] : 0);
}

const describeExit = ({ code, signal }: GenerationExit) => (signal ? `signal ${signal}` : `code ${code}`);

/**
 * Runs generations of the service on sockets it holds for its whole life (its pid never changes, so it
 * can be a systemd unit's main process).
 * - SIGHUP starts the next generation; once it is ready, the current one is told to hand over (it drains
 *   and exits). One that fails, or is not ready within `readyTimeoutMs`, is stopped, and the current one
 *   keeps serving: a rollback. One restart at a time: a SIGHUP meanwhile is queued, several as one.
 * - A generation that dies on its own is replaced, after a delay that doubles while they keep dying;
 *   connections wait in the kernel's queue meanwhile, since the sockets stay open.
 * - SIGTERM or SIGINT goes to every generation, which stops the usual way; then this resolves with the
 *   exit status of the one that was serving.
 */
export async function runSupervisor(options: SupervisorOptions): Promise<number> {
  const { logger, signals } = options;
  let counter = 0;
  let current: Generation | undefined;
  let currentSince = 0;
  let reloadQueued = false;
  let restartDelayMs = options.restartDelayMinMs;
  let stopping: 'SIGTERM' | 'SIGINT' | undefined;
  let servingAtStop: Generation | undefined;
  const stopRequested = new AbortController();
  const running = new Set<Generation>();
  // Restarts wait for the boot to serve; if it never does, the supervisor exits and they never run.
  let booted!: () => void;
  let queue: Promise<void> = new Promise((resolve) => (booted = resolve));
  const ids = (g: Generation) => ({ generation: g.number, generationPid: g.pid });

  /** Runs `action` after those queued before it: restarts never overlap. */
  const enqueue = (action: () => Promise<void>) => {
    queue = queue
      .then(action)
      .catch((error: unknown) => logger.error({ event: 'supervisor-error', err: error }, String(error)));
  };

  /** Sends `signal`; SIGKILL if the generation has not exited within stopTimeoutMs. */
  async function stop(generation: Generation, signal: NodeJS.Signals): Promise<GenerationExit> {
    generation.signal(signal);
    return waitForExit(generation);
  }

  async function waitForExit(generation: Generation): Promise<GenerationExit> {
    const timer = new AbortController();
    const deadline = sleep(options.stopTimeoutMs, timer.signal).then(() => undefined);
    const exit = await Promise.race([generation.exited, deadline]);
    timer.abort();
    if (exit) return exit;
    logger.warn(
      { event: 'generation-kill', ...ids(generation), stopTimeoutMs: options.stopTimeoutMs },
      `generation ${generation.number} did not stop within ${options.stopTimeoutMs} ms: SIGKILL`,
    );
    generation.signal('SIGKILL');
    return generation.exited;
  }

  /** Makes `generation` the one that serves, and watches for it dying on its own. */
  function serve(generation: Generation): void {
    current = generation;
    currentSince = performance.now();
    void generation.exited.then((exit) => {
      if (generation !== current || stopping) return;
      current = undefined;
      // One that served for a while crashed once; one that dies soon after it started keeps the delay growing.
      if (performance.now() - currentSince > options.restartDelayMaxMs) restartDelayMs = options.restartDelayMinMs;
      logger.error(
        { event: 'crash', ...ids(generation), ...exit, restartInMs: restartDelayMs },
        `generation ${generation.number} died (${describeExit(exit)}); the next starts in ${restartDelayMs} ms`,
      );
      enqueue(recover);
    });
  }

  /** Starts the next generation and waits until it is ready, has failed, or is late (then stops it). */
  async function launch(reason: 'boot' | 'reload' | 'restart'): Promise<Launch> {
    const generation = options.start(++counter, { beside: reason === 'reload' });
    running.add(generation);
    void generation.exited.then((exit) => {
      running.delete(generation);
      logger.info(
        { event: 'generation-exit', ...ids(generation), ...exit, exitStatus: exitStatus(exit) },
        `generation ${generation.number} exited (${describeExit(exit)})`,
      );
    });
    logger.info(
      { event: 'generation-start', ...ids(generation), reason },
      `generation ${generation.number} starting (${reason})`,
    );
    const late = new AbortController();
    const tooLate = sleep(options.readyTimeoutMs, late.signal).then(() => ({ status: 'late' as const }));
    const outcome = await Promise.race([generation.outcome, tooLate]);
    late.abort();
    if (outcome.status === 'ready') {
      const { readyMs, ports, priority } = outcome;
      const notRestored = priority && 'error' in priority ? priority : undefined;
      logger[notRestored ? 'warn' : 'info'](
        { event: 'generation-ready', ...ids(generation), readyMs, ports, ...(priority && { priority }) },
        `generation ${generation.number} ready in ${readyMs} ms` +
          (notRestored ? `; could not set it back to nice ${notRestored.nice}: ${notRestored.error}` : ''),
      );
      return { generation, ready: true };
    }
    const cause = outcome.status === 'late' ? `not ready within ${options.readyTimeoutMs} ms` : outcome.error;
    await stop(generation, 'SIGTERM');
    return { generation, ready: false, cause };
  }

  /** SIGHUP: hand over to a new generation, or keep the current one (rollback). */
  async function reload(): Promise<void> {
    reloadQueued = false;
    if (stopping) return;
    const previous = current;
    const next = await launch('reload');
    if (stopping) {
      if (next.ready) await stop(next.generation, stopping);
      return;
    }
    if (!next.ready) {
      const keeping = previous && current === previous ? previous : undefined;
      logger.error(
        {
          event: 'rollback',
          ...ids(next.generation),
          cause: next.cause,
          keeping: keeping?.number,
          keepingPid: keeping?.pid,
        },
        `generation ${next.generation.number} failed (${next.cause}); ${keeping ? `generation ${keeping.number} keeps serving` : 'none serves'}`,
      );
      if (!current) enqueue(recover);
      return;
    }
    serve(next.generation);
    if (!previous || !running.has(previous)) return;
    logger.info(
      {
        event: 'handoff',
        from: previous.number,
        fromPid: previous.pid,
        to: next.generation.number,
        toPid: next.generation.pid,
      },
      `generation ${previous.number} hands over to ${next.generation.number}`,
    );
    previous.handoff();
    await waitForExit(previous);
  }

  /** After a crash: start generations, waiting longer each time, until one is ready. */
  async function recover(): Promise<void> {
    while (!current && !stopping) {
      await sleep(restartDelayMs, stopRequested.signal);
      if (stopping || current) return;
      // Should this one fail, or die soon after it was ready, the next waits twice as long.
      restartDelayMs = Math.min(options.restartDelayMaxMs, Math.max(1, restartDelayMs * 2));
      const next = await launch('restart');
      if (next.ready && !stopping) serve(next.generation);
      else if (!next.ready) {
        logger.error(
          { event: 'restart-failed', ...ids(next.generation), cause: next.cause, restartInMs: restartDelayMs },
          `generation ${next.generation.number} failed (${next.cause}); the next starts in ${restartDelayMs} ms`,
        );
      }
    }
  }

  const onHup = () => {
    if (stopping) return;
    const queued = reloadQueued;
    logger.info(
      { event: 'restart-requested', signal: 'SIGHUP', serving: current?.number, alreadyQueued: queued },
      'SIGHUP: next generation requested',
    );
    if (!queued) {
      reloadQueued = true;
      enqueue(reload);
    }
  };
  const onStop = (signal: 'SIGTERM' | 'SIGINT') => {
    if (!stopping) {
      stopping = signal;
      servingAtStop = current;
      stopRequested.abort();
    }
    logger.info(
      { event: 'stopping', signal, generations: [...running].map((g) => g.number) },
      `${signal}: stopping every generation`,
    );
    for (const generation of running) generation.signal(signal);
  };
  const onTerm = () => onStop('SIGTERM');
  const onInt = () => onStop('SIGINT');
  signals.on('SIGHUP', onHup);
  signals.on('SIGTERM', onTerm);
  signals.on('SIGINT', onInt);
  try {
    const boot = await launch('boot');
    if (!boot.ready && stopping) return exitStatus(await boot.generation.exited);
    if (!boot.ready) {
      logger.fatal(
        { event: 'boot-failed', ...ids(boot.generation), cause: boot.cause },
        `the first generation did not start: ${boot.cause}`,
      );
      return 1;
    }
    if (!stopping) serve(boot.generation);
    else servingAtStop = boot.generation;
    booted();
    if (!stopping)
      await new Promise((resolve) => stopRequested.signal.addEventListener('abort', resolve, { once: true }));
    await queue;
    const exits = new Map(await Promise.all([...running].map(async (g) => [g, await waitForExit(g)] as const)));
    const last = servingAtStop;
    const exit = last ? (exits.get(last) ?? (await last.exited)) : undefined;
    const status = exit ? exitStatus(exit) : 1;
    logger.info({ event: 'stopped', exitStatus: status, generation: last?.number }, `stopped (exit ${status})`);
    return status;
  } finally {
    signals.off('SIGHUP', onHup);
    signals.off('SIGTERM', onTerm);
    signals.off('SIGINT', onInt);
  }
}
