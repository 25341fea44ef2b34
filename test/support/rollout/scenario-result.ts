import type { PrestopMode } from '../kubelet.js';
import { failureKind, isFailure } from '../load.js';
import type { PodEnd } from './deployment.js';
import type { LostWrite } from './read-back.js';
import type { TrafficRecord } from './traffic.js';

export interface FailedRequest {
  route: string;
  client: string;
  kind: string;
  /** When it started, relative to the Deployment's creation, to set beside the pods' timelines. */
  startedAtMs: number;
  durationMs: number;
}

export interface ScenarioResult {
  scenario: string;
  prestopMode: PrestopMode;
  draining: boolean;
  replicas: number;
  restarts: number;
  propagationDelayMs: number;
  drainDelayMs: number;
  gracePeriodSeconds: number;
  durationMs: number;
  requests: {
    sent: number;
    failed: number;
    /** `HTTP <status>`, ECONNRESET (socket hang up included), ECONNREFUSED, TIMEOUT, or another code. */
    failedByKind: Record<string, number>;
    byRoute: Record<string, { sent: number; failed: number }>;
  };
  writes: { acknowledged: number; readable: number; lost: LostWrite[] };
  pods: PodEnd[];
  maxSigtermToExitMs: number;
  maxTerminationMs: number;
  killedAtGracePeriod: number;
  /** The first failed requests, for comparing with the pods' timelines. */
  firstFailures: FailedRequest[];
}

export type ScenarioFacts = Omit<
  ScenarioResult,
  'requests' | 'maxSigtermToExitMs' | 'maxTerminationMs' | 'killedAtGracePeriod' | 'firstFailures'
>;

const increment = <T extends string>(counts: Record<T, number>, key: T) => (counts[key] = (counts[key] ?? 0) + 1);

/** What the clients saw and how the pods ended, counted. */
export function scenarioResult(
  facts: ScenarioFacts,
  records: readonly TrafficRecord[],
  zeroAt: number,
): ScenarioResult {
  const failures = records.filter(isFailure);
  const failedByKind: Record<string, number> = {};
  for (const failure of failures) increment(failedByKind, failureKind(failure));
  const byRoute: Record<string, { sent: number; failed: number }> = {};
  for (const record of records) {
    const route = (byRoute[record.route] ??= { sent: 0, failed: 0 });
    route.sent += 1;
    if (isFailure(record)) route.failed += 1;
  }
  return {
    ...facts,
    requests: { sent: records.length, failed: failures.length, failedByKind, byRoute },
    maxSigtermToExitMs: Math.max(0, ...facts.pods.map((pod) => pod.sigtermToExitMs)),
    maxTerminationMs: Math.max(0, ...facts.pods.map((pod) => pod.totalMs)),
    killedAtGracePeriod: facts.pods.filter((pod) => pod.killedAtGracePeriod).length,
    firstFailures: [...failures]
      .sort((a, b) => a.startedAt - b.startedAt)
      .slice(0, 20)
      .map((failure) => ({
        route: failure.route,
        client: failure.client,
        kind: failureKind(failure),
        startedAtMs: Math.round(failure.startedAt - zeroAt),
        durationMs: Math.round(failure.endedAt - failure.startedAt),
      })),
  };
}
