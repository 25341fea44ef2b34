import { databaseEnabled } from './db-target.js';
import type { Settings } from './settings.js';

export interface ShutdownBudget {
  /** Each term of the sum, by env name, in milliseconds. */
  readonly parts: ReadonlyArray<readonly [env: string, ms: number]>;
  readonly totalMs: number;
  readonly gracePeriodMs: number;
  readonly fits: boolean;
}

/**
 * The longest a shutdown can take, which must fit in the pod's grace period: the kubelet counts the
 * preStop hook (or sleep) against it and sends SIGKILL when it runs out. With inherited listeners
 * (LISTEN_FDS) the drain is only the keep-alive sweep: nothing needs DRAIN_DELAY_MS to take the process
 * out of a load balancer.
 * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#container-hooks
 */
export function shutdownBudget(config: Settings, { listenersInherited = false } = {}): ShutdownBudget {
  const parts: Array<readonly [string, number]> = listenersInherited
    ? [['DRAIN_SWEEP_MS', config.drainSweepMs]]
    : [['DRAIN_DELAY_MS', config.drainDelayMs]];
  if (!listenersInherited && config.prestopMode === 'sleep') parts.push(['DRAIN_SWEEP_MS', config.drainSweepMs]);
  parts.push(['SHUTDOWN_TIMEOUT_MS', config.shutdownTimeoutMs]);
  if (databaseEnabled(config)) {
    parts.push(['DB_DRAIN_TIMEOUT_MS', config.dbDrainTimeoutMs], ['DB_CANCEL_TIMEOUT_MS', config.dbCancelTimeoutMs]);
  }
  parts.push(
    ['TELEMETRY_FLUSH_TIMEOUT_MS', config.telemetryFlushTimeoutMs],
    ['SHUTDOWN_MARGIN_MS', config.shutdownMarginMs],
  );
  const totalMs = parts.reduce((sum, [, ms]) => sum + ms, 0);
  const gracePeriodMs = config.terminationGracePeriodSeconds * 1000;
  return { parts, totalMs, gracePeriodMs, fits: totalMs <= gracePeriodMs };
}

export function describeBudget(budget: ShutdownBudget): string {
  const sum = budget.parts.map(([env, ms]) => `${env} ${ms}`).join(' + ');
  const relation = budget.fits ? '<=' : '>';
  return `${sum} = ${budget.totalMs} ms ${relation} TERMINATION_GRACE_PERIOD_SECONDS ${budget.gracePeriodMs / 1000} (${budget.gracePeriodMs} ms)`;
}
