import type { FastifyBaseLogger } from 'fastify';

export const phases = ['starting', 'ready', 'draining', 'closing', 'stopped'] as const;
export type Phase = (typeof phases)[number];

/**
 * The trigger of a shutdown that hands the shared sockets to the next generation (src/supervisor/):
 * /readyz stays 200 (probes.ts) and keep-alive closes are spread (terminator.ts).
 */
export const handoffTrigger = 'handoff';

/** A dependency that must be up before `/readyz` answers 200 (e.g. the database, migrations). */
export interface StartupCheck {
  readonly name: string;
  /** Resolves once the dependency is up; retries on its own; stops when `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  /** Where it stands while not up yet (e.g. the last connection error), for the startup timeout message. */
  describe?(): string | undefined;
}

/** Close stages run in this order, after the app listener has drained. */
export const closeStages = ['resources', 'telemetry', 'admin'] as const;
export type CloseStage = (typeof closeStages)[number];

export interface Closer {
  readonly name: string;
  readonly stage: CloseStage;
  /** Own deadline; when it passes, `signal` aborts, the closer counts as forced, and the next one runs. */
  readonly timeoutMs: number;
  close(signal: AbortSignal): Promise<void>;
  /**
   * Optional first step, started as `closing` begins and run alongside the app listener's close,
   * because requests still in flight may need the resource until they end (the database: stop
   * intake, wait, cancel). Resolves with what it had to force; `close` runs after it.
   */
  drain?(signal: AbortSignal): Promise<readonly string[]>;
  /** Deadline of `drain`. */
  readonly drainTimeoutMs?: number;
}

export type PhaseListener = (phase: Phase, previous: Phase) => void;

export interface Lifecycle {
  readonly phase: Phase;
  /** True from the first step of a shutdown on; aborts startup checks. */
  readonly shutdownSignal: AbortSignal;
  /** What began the shutdown (`prestop`, `SIGTERM`, …), once one has begun. */
  readonly trigger: string | undefined;
  /** Moves forward to `next` and writes one timeline line; moving backwards or staying throws. */
  enter(next: Phase, details?: Record<string, unknown>): void;
  /** Marks the start of the shutdown timeline (elapsed times in phase lines are measured from it). */
  beginShutdown(trigger: string): void;
  /** Milliseconds since the current timeline began (boot, or the start of the shutdown). */
  elapsedMs(): number;
  /** Milliseconds since `phase` was entered, or undefined if it never was. */
  sinceMs(phase: Phase): number | undefined;
  onPhase(listener: PhaseListener): () => void;
  addStartupCheck(check: StartupCheck): void;
  addCloser(closer: Closer): void;
  readonly startupChecks: readonly StartupCheck[];
  /** Registered closers in close order: by stage, then most recently added first within a stage. */
  closers(): Closer[];
}

export interface LifecycleOptions {
  logger: FastifyBaseLogger;
  now?: () => number;
}

export function createLifecycle({ logger, now = () => performance.now() }: LifecycleOptions): Lifecycle {
  let phase: Phase = 'starting';
  let timelineStart = now();
  let trigger: string | undefined;
  const enteredAt = new Map<Phase, number>([['starting', timelineStart]]);
  const shutdown = new AbortController();
  const listeners = new Set<PhaseListener>();
  const startupChecks: StartupCheck[] = [];
  const closers: Closer[] = [];

  const elapsedMs = () => Math.round(now() - timelineStart);

  const lifecycle: Lifecycle = {
    get phase() {
      return phase;
    },
    shutdownSignal: shutdown.signal,
    get trigger() {
      return trigger;
    },
    enter(next, details = {}) {
      if (phases.indexOf(next) <= phases.indexOf(phase)) {
        throw new Error(`lifecycle cannot move from ${phase} to ${next}`);
      }
      const previous = phase;
      phase = next;
      enteredAt.set(next, now());
      logger.info(
        { event: 'phase', phase: next, previous, elapsedMs: elapsedMs(), trigger, ...details },
        `phase ${next}`,
      );
      for (const listener of listeners) listener(next, previous);
    },
    beginShutdown(why) {
      if (shutdown.signal.aborted) return;
      timelineStart = now();
      trigger = why;
      shutdown.abort(new Error(`shutdown began (${why})`));
    },
    elapsedMs,
    sinceMs(p) {
      const at = enteredAt.get(p);
      return at === undefined ? undefined : now() - at;
    },
    onPhase(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    addStartupCheck(check) {
      if (phase !== 'starting') throw new Error(`startup check ${check.name} added after startup`);
      startupChecks.push(check);
    },
    addCloser(closer) {
      closers.push(closer);
    },
    startupChecks,
    closers() {
      const reversed = [...closers].reverse();
      return closeStages.flatMap((stage) => reversed.filter((c) => c.stage === stage));
    },
  };
  return lifecycle;
}
