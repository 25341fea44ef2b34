import type { FastifyBaseLogger } from 'fastify';
import { withDeadline } from '../timing/deadline.js';
import type { Lifecycle } from './lifecycle.js';

export class StartupTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly pending: readonly string[],
  ) {
    super(`dependencies not ready within STARTUP_TIMEOUT_MS ${timeoutMs} ms: ${pending.join(', ')}`);
    this.name = 'StartupTimeoutError';
  }
}

/**
 * Runs every startup check at once and enters `ready` when all are up. Returns `aborted` when a
 * shutdown began meanwhile (the checks see their signal abort); throws StartupTimeoutError at the
 * deadline, and rethrows the first check that fails outright.
 */
export async function runStartup(
  lifecycle: Lifecycle,
  { timeoutMs, logger }: { timeoutMs: number; logger: FastifyBaseLogger },
): Promise<'ready' | 'aborted'> {
  const pending = new Set(lifecycle.startupChecks.map((check) => check.name));
  const outcome = await withDeadline(async (deadlineSignal) => {
    const signal = AbortSignal.any([deadlineSignal, lifecycle.shutdownSignal]);
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    const checks = lifecycle.startupChecks.map(async (check) => {
      await check.run(signal);
      pending.delete(check.name);
      logger.info(
        { event: 'dependency-ready', dependency: check.name, elapsedMs: lifecycle.elapsedMs() },
        `${check.name} ready`,
      );
    });
    await Promise.race([Promise.all(checks), aborted]);
  }, timeoutMs);

  if (lifecycle.shutdownSignal.aborted) return 'aborted';
  if (outcome.status === 'timeout') {
    const described = lifecycle.startupChecks
      .filter((check) => pending.has(check.name))
      .map((check) => {
        const where = check.describe?.();
        return where ? `${check.name} (${where})` : check.name;
      });
    throw new StartupTimeoutError(timeoutMs, described);
  }
  if (outcome.status === 'failed') throw outcome.error;
  lifecycle.enter('ready');
  return 'ready';
}
