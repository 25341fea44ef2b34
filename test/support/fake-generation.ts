import type {
  Generation,
  GenerationExit,
  GenerationOutcome,
  PriorityRestored,
} from '../../src/supervisor/generation.js';

/**
 * A test double of one generation, for the supervisor under fake timers: no process. The test settles
 * it by hand (`ready`, `fail`, `exit`); like a process, it records in `received` what reached it while
 * it ran (`handoff@<time>`, `SIGTERM@<time>`), and exiting before it said anything is a failed outcome.
 */
export interface FakeGeneration extends Generation {
  readonly received: string[];
  /** Whether the supervisor started it beside one serving (a reload), the one that may start nicer. */
  readonly beside: boolean;
  ready(ports?: { app: number; admin: number }, priority?: PriorityRestored): void;
  fail(error: string): void;
  exit(exit: Partial<GenerationExit>): void;
  readonly hasExited: boolean;
}

export function fakeGeneration(number: number, { beside = false } = {}): FakeGeneration {
  const received: string[] = [];
  const startedAt = Date.now();
  let hasExited = false;
  let settleOutcome!: (outcome: GenerationOutcome) => void;
  let settleExit!: (exit: GenerationExit) => void;
  const outcome = new Promise<GenerationOutcome>((resolve) => (settleOutcome = resolve));
  const exited = new Promise<GenerationExit>((resolve) => (settleExit = resolve));
  return {
    number,
    pid: 1000 + number,
    outcome,
    exited,
    received,
    beside,
    get hasExited() {
      return hasExited;
    },
    handoff() {
      if (!hasExited) received.push(`handoff@${Date.now()}`);
    },
    signal(signal) {
      if (!hasExited) received.push(`${signal}@${Date.now()}`);
    },
    ready(ports = { app: 8080, admin: 9090 }, priority) {
      settleOutcome({ status: 'ready', readyMs: Date.now() - startedAt, ports, ...(priority && { priority }) });
    },
    fail(error) {
      settleOutcome({ status: 'failed', error });
    },
    exit({ code = null, signal = null }) {
      hasExited = true;
      settleOutcome({ status: 'failed', error: `exited before it was ready (${signal ?? `code ${code}`})` });
      settleExit({ code, signal });
    },
  };
}
