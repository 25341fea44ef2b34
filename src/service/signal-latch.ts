import type { Terminator } from '../lifecycle/terminator.js';

export type SignalName = 'SIGTERM' | 'SIGINT';

/** Where signals come from: `process` in production, an EventEmitter in tests. */
export interface SignalSource {
  on(name: SignalName | 'SIGHUP', listener: () => void): unknown;
  off(name: SignalName | 'SIGHUP', listener: () => void): unknown;
}

export const exitCodes = { ok: 0, failed: 1, interrupted: 130 } as const;

export interface SignalLatch {
  /** The first signal received before a terminator was attached, if any. */
  pending(): SignalName | undefined;
  /** Hands signals to `terminator` from now on, replaying a pending one. */
  attach(terminator: Pick<Terminator, 'signal'>): void;
  remove(): void;
}

/**
 * Holds SIGTERM/SIGINT until the terminator can act on them (both listeners bound), so a signal that
 * arrives mid-boot stops the service cleanly instead of racing `listen()`. A second SIGINT exits at
 * once, before or after.
 */
export function latchSignals(signals: SignalSource, exit: (code: number) => void): SignalLatch {
  let terminator: Pick<Terminator, 'signal'> | undefined;
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
