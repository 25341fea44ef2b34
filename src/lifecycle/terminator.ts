import type { FastifyBaseLogger } from 'fastify';
import { withDeadline, type DeadlineOutcome } from '../timing/deadline.js';
import { sleep } from '../timing/sleep.js';
import { handoffTrigger, type Lifecycle } from './lifecycle.js';

/** What the terminator needs of the app listener (see http/connection-drain.ts). */
export interface DrainableListener {
  /**
   * Stops accepting new connections, leaving the open ones to the drain. The socket itself may live on
   * in another process (an inherited listener): connections then queue for whoever accepts next.
   * With `spreadClosesMs`, each keep-alive connection is told to close on its first response after a
   * moment of its own, spread evenly over that time, instead of all on their next one: the process
   * that accepts now takes them over a few at a time.
   */
  stopAccepting(spreadClosesMs?: number): void;
  /** Open client connections right now. */
  openConnections(): number;
  /** Resolves when no client connection is open, or when `signal` aborts. */
  whenNoConnections(signal: AbortSignal): Promise<void>;
  /**
   * Stops accepting connections, closes idle ones, lets in-flight requests finish for `timeoutMs`,
   * then destroys what is left. Resolves with how many connections had to be destroyed.
   */
  close(timeoutMs: number): Promise<{ destroyed: number }>;
}

/** The settings the terminator reads (the service's Config has them; see src/config/settings.ts). */
export interface TerminatorConfig {
  readonly prestopMode: 'http' | 'sleep' | 'none';
  readonly drainDelayMs: number;
  readonly drainSweepMs: number;
  readonly shutdownTimeoutMs: number;
  readonly shutdownMarginMs: number;
}

/** One thing a shutdown had to force: which step, and what, in words an operator can act on. */
export interface ForcedStep {
  /** The closer's name, or `app-listener`. */
  readonly step: string;
  readonly what: string;
}

export interface ShutdownReport {
  readonly exitCode: 0 | 1;
  readonly forced: readonly ForcedStep[];
  readonly durationMs: number;
}

/** How a forced step reads in the log: `database: 1 query(s) cancelled at DB_DRAIN_TIMEOUT_MS 5000`. */
export const describeForced = ({ step, what }: ForcedStep) => `${step}: ${what}`;

/** One step of the shutdown, as the terminator logs it. */
interface StepOutcome {
  /** The closer's name. */
  readonly name: string;
  /** What the step did when it went well: `drained`, `closed`. */
  readonly verb: string;
  /** Fields of its log line. */
  readonly fields: object;
  readonly outcome: DeadlineOutcome<unknown>;
  /** What went wrong when it timed out, e.g. `not closed within 2000 ms`. */
  readonly late: string;
}

/** What the process should do about a signal; the terminator itself never exits the process. */
export type SignalAction = 'shutdown' | 'ignore' | 'exit-now';

export interface Terminator {
  /** The preStop hook: enter `draining`, answer once DRAIN_DELAY_MS has passed since it began. */
  prestop(): Promise<{ waitedMs: number }>;
  signal(name: 'SIGTERM' | 'SIGINT'): SignalAction;
  /** Runs the shutdown once; later calls return the same report. */
  shutdown(trigger: string): Promise<ShutdownReport>;
  /** Settles when a shutdown has finished. */
  readonly done: Promise<ShutdownReport>;
}

export interface TerminatorOptions {
  lifecycle: Lifecycle;
  listener: DrainableListener;
  config: TerminatorConfig;
  logger: FastifyBaseLogger;
  /**
   * The listening sockets were passed in (LISTEN_FDS: systemd, or the supervisor) and outlive this
   * process. No load balancer needs time to take it out, so the drain stops accepting at once and only
   * sweeps the keep-alive connections, whatever PRESTOP_MODE says.
   */
  listenersInherited?: boolean;
  now?: () => number;
}

export function createTerminator(options: TerminatorOptions): Terminator {
  const { lifecycle, listener, config, logger, now = () => performance.now() } = options;
  let running: Promise<ShutdownReport> | undefined;
  let signalled = false;
  let resolveDone!: (report: ShutdownReport) => void;
  const done = new Promise<ShutdownReport>((resolve) => (resolveDone = resolve));

  /** The fields every line of the shutdown timeline carries: where it stands, and since when. */
  const timeline = (event: string) => ({ event, phase: lifecycle.phase, elapsedMs: lifecycle.elapsedMs() });

  /** A pod that never became ready never had an endpoint, so there is nothing to drain. */
  const wasReady = () => lifecycle.sinceMs('ready') !== undefined;

  /** Enters `draining` once; returns how long until DRAIN_DELAY_MS has passed since then. */
  function enterDraining(trigger: string): number {
    lifecycle.beginShutdown(trigger);
    if (lifecycle.phase === 'starting' || lifecycle.phase === 'ready') {
      lifecycle.enter('draining', { drainDelayMs: config.drainDelayMs, prestopMode: config.prestopMode });
    }
    return wasReady() ? Math.max(0, config.drainDelayMs - (lifecycle.sinceMs('draining') ?? 0)) : 0;
  }

  /** Gives keep-alive connections DRAIN_SWEEP_MS to bring a last request, ending early once none is left. */
  async function sweepKeepAlive(): Promise<void> {
    const sweepOver = new AbortController();
    await Promise.race([listener.whenNoConnections(sweepOver.signal), sleep(config.drainSweepMs, sweepOver.signal)]);
    sweepOver.abort();
  }

  async function drain(trigger: string): Promise<void> {
    if (options.listenersInherited) {
      // Whoever else holds the socket (the next generation, or the kernel's queue until the next
      // process listens) takes new connections from now on.
      lifecycle.beginShutdown(trigger);
      if (lifecycle.phase === 'starting' || lifecycle.phase === 'ready') {
        lifecycle.enter('draining', { drainSweepMs: config.drainSweepMs, listeners: 'inherited' });
      }
      // In a handoff the next generation has just started: its code is not compiled yet, its pool holds
      // DB_POOL_MIN connections. Sixteen keep-alive clients reconnecting to it in the same few
      // milliseconds queue there; spread over the first half of the sweep, they do not.
      listener.stopAccepting(trigger === handoffTrigger ? Math.floor(config.drainSweepMs / 2) : 0);
      await sweepKeepAlive();
      return;
    }
    if (config.prestopMode === 'sleep') {
      // The pod spec's preStop sleep already waited for endpoint removal: only give keep-alive
      // connections a short window to bring a last request, and stop early once none is left.
      enterDraining(trigger);
      await sweepKeepAlive();
      return;
    }
    const preStopRan = lifecycle.phase === 'draining';
    const remainingMs = enterDraining(trigger);
    if (config.prestopMode === 'http' && !preStopRan) {
      logger.warn(
        { ...timeline('prestop-missed'), drainDelayMs: config.drainDelayMs },
        'SIGTERM arrived without a /prestop call; waiting DRAIN_DELAY_MS here instead',
      );
    }
    await sleep(remainingMs);
  }

  async function run(trigger: string): Promise<ShutdownReport> {
    const started = now();
    const forced: ForcedStep[] = [];
    /** Logs one step of the shutdown, and records it as forced when it timed out or failed. */
    const step = ({ name, verb, fields, outcome, late }: StepOutcome) => {
      if (outcome.status === 'timeout') forced.push({ step: name, what: late });
      if (outcome.status === 'failed') forced.push({ step: name, what: String(outcome.error) });
      logger.info(
        { ...timeline('shutdown-step'), ...fields, durationMs: outcome.durationMs, outcome: outcome.status },
        `${name} ${verb}`,
      );
    };
    lifecycle.beginShutdown(trigger);
    if (wasReady()) await drain(trigger);
    lifecycle.enter('closing', { openConnections: listener.openConnections() });
    const drains = lifecycle.closers().map(async (closer) => {
      if (!closer.drain) return;
      const timeoutMs = closer.drainTimeoutMs ?? closer.timeoutMs;
      const outcome = await withDeadline((signal) => closer.drain!(signal), timeoutMs, now);
      if (outcome.status === 'done') forced.push(...outcome.value.map((what) => ({ step: closer.name, what })));
      const late = `not drained within ${timeoutMs} ms`;
      step({ name: closer.name, verb: 'drained', fields: { step: `${closer.name}-drain` }, outcome, late });
    });

    // listener.close destroys what is left at SHUTDOWN_TIMEOUT_MS; the margin bounds the app's own
    // onClose hooks, which run after that.
    const appDeadlineMs = config.shutdownTimeoutMs + config.shutdownMarginMs;
    const app = await withDeadline(() => listener.close(config.shutdownTimeoutMs), appDeadlineMs, now);
    const destroyed = app.status === 'done' ? app.value.destroyed : listener.openConnections();
    if (destroyed > 0 || app.status !== 'done') {
      const what = `${destroyed} connection(s) destroyed at SHUTDOWN_TIMEOUT_MS ${config.shutdownTimeoutMs}`;
      forced.push({ step: 'app-listener', what });
    }
    logger.info(
      { ...timeline('shutdown-step'), step: 'app-listener', durationMs: app.durationMs, destroyed },
      'app listener closed',
    );

    // Resources close only once the requests that might still use them are gone.
    await Promise.all(drains);
    for (const closer of lifecycle.closers()) {
      const outcome = await withDeadline((signal) => closer.close(signal), closer.timeoutMs, now);
      const late = `not closed within ${closer.timeoutMs} ms`;
      step({ name: closer.name, verb: 'closed', fields: { step: closer.name, stage: closer.stage }, outcome, late });
    }

    const report: ShutdownReport = {
      exitCode: forced.length > 0 ? 1 : 0,
      forced,
      durationMs: Math.round(now() - started),
    };
    // Words only here, in the timeline's last line; the report keeps the steps structured (metrics read them).
    const words = forced.map(describeForced);
    lifecycle.enter('stopped', { exitCode: report.exitCode, forced: words, shutdownMs: report.durationMs });
    return report;
  }

  const terminator: Terminator = {
    async prestop() {
      const started = now();
      const inDrainWindow = ['starting', 'ready', 'draining'].includes(lifecycle.phase);
      await sleep(inDrainWindow ? enterDraining('prestop') : 0);
      return { waitedMs: Math.round(now() - started) };
    },
    signal(name) {
      if (!signalled) {
        signalled = true;
        // The timeline starts here unless /prestop started it: elapsedMs counts from the first step.
        lifecycle.beginShutdown(name);
        logger.info({ ...timeline('signal'), signal: name }, `${name} received`);
        void terminator.shutdown(name);
        return 'shutdown';
      }
      if (name === 'SIGINT') {
        logger.warn({ ...timeline('signal'), signal: name }, 'second SIGINT: exiting now');
        return 'exit-now';
      }
      logger.warn({ ...timeline('signal'), signal: name }, `${name} ignored: shutdown already under way`);
      return 'ignore';
    },
    shutdown(trigger) {
      running ??= run(trigger).then((report) => {
        resolveDone(report);
        return report;
      });
      return running;
    },
    done,
  };
  return terminator;
}
