import type { PrestopMode, TerminationOptions } from '../kubelet.js';
import type { RolloutSettings } from './rollout-settings.js';

export interface Scenario {
  readonly name: string;
  readonly mode: PrestopMode;
  /** false: the negative control, which turns off every wait the service has for endpoint removal. */
  readonly draining: boolean;
}

export const scenarios: readonly Scenario[] = [
  { name: 'http', mode: 'http', draining: true },
  { name: 'sleep', mode: 'sleep', draining: true },
  { name: 'none', mode: 'none', draining: true },
  { name: 'control', mode: 'none', draining: false },
];

const prestopToken = 'rollout-suite-prestop-token';

/**
 * The service's shutdown timings, shortened in proportion so a restart takes seconds: slow requests
 * (up to 2 s, queries up to 1.5 s) fit SHUTDOWN_TIMEOUT_MS and DB_DRAIN_TIMEOUT_MS with room to spare.
 */
const shutdownTimings = {
  SHUTDOWN_TIMEOUT_MS: 5000,
  DB_DRAIN_TIMEOUT_MS: 3000,
  DB_CANCEL_TIMEOUT_MS: 1000,
  TELEMETRY_FLUSH_TIMEOUT_MS: 500,
  SHUTDOWN_MARGIN_MS: 1000,
};
const drainSweepMs = 1000;

export interface PodSpec {
  readonly env: Record<string, string>;
  readonly drainDelayMs: number;
  readonly gracePeriodSeconds: number;
  /** What the kubelet emulation does to end a pod. */
  readonly termination: Omit<TerminationOptions, 'endpoints'>;
}

/** The pod template of a scenario: the service's env and the matching terminationGracePeriodSeconds. */
export function podSpec(scenario: Scenario, settings: RolloutSettings): PodSpec {
  const drainDelayMs = scenario.draining ? settings.drainDelayMs : 0;
  const sweepMs = scenario.draining ? drainSweepMs : 0;
  const budgetMs = Object.values(shutdownTimings).reduce((sum, ms) => sum + ms, drainDelayMs + sweepMs);
  // The same rule as the service's own check, with a second to spare for a busy machine.
  const gracePeriodSeconds = Math.ceil(budgetMs / 1000) + 1;
  const env = Object.fromEntries(
    Object.entries({
      ...shutdownTimings,
      PRESTOP_MODE: scenario.mode,
      DRAIN_DELAY_MS: drainDelayMs,
      DRAIN_SWEEP_MS: sweepMs,
      TERMINATION_GRACE_PERIOD_SECONDS: gracePeriodSeconds,
      DEBUG_ROUTES: 'true',
      ...(scenario.mode === 'http' ? { PRESTOP_TOKEN: prestopToken } : {}),
    }).map(([key, value]) => [key, String(value)]),
  );
  return {
    env,
    drainDelayMs,
    gracePeriodSeconds,
    termination: {
      mode: scenario.mode,
      propagationDelayMs: settings.propagationDelayMs,
      gracePeriodSeconds,
      // In sleep mode the pod spec's preStop sleep lasts what DRAIN_DELAY_MS would have.
      sleepMs: drainDelayMs,
      prestopToken,
    },
  };
}
