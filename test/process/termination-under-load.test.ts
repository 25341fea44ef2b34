import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { Endpoints } from '../support/endpoints.js';
import { terminatePod, type PrestopMode } from '../support/kubelet.js';
import { failureKind, send, startLoad, type RequestRecord } from '../support/load.js';
import { recordMeasurement } from '../support/measurements.js';
import { killAll, startService } from '../support/service-process.js';

const prestopToken = 'process-test-prestop-token';
const drainDelayMs = 1500;
const propagationDelayMs = 500;
const gracePeriodSeconds = 15;

afterEach(killAll);

function summarize(records: RequestRecord[]) {
  const byKind: Record<string, number> = {};
  for (const r of records) byKind[failureKind(r)] = (byKind[failureKind(r)] ?? 0) + 1;
  return byKind;
}

/**
 * Two replicas behind a kube-proxy-like balancer, under keep-alive, one-shot and slow traffic; one of
 * them is terminated the way the kubelet does it, while a slow request to it is in flight.
 */
async function rollOnePod(mode: PrestopMode, env: Record<string, string>) {
  const podEnv = {
    PRESTOP_MODE: mode,
    PRESTOP_TOKEN: prestopToken,
    DRAIN_DELAY_MS: String(drainDelayMs),
    DRAIN_SWEEP_MS: '500',
    SHUTDOWN_TIMEOUT_MS: '5000',
    TERMINATION_GRACE_PERIOD_SECONDS: String(gracePeriodSeconds),
    DEBUG_ROUTES: 'true',
    ...env,
  };
  const [leaving, staying] = await Promise.all([startService({ env: podEnv }), startService({ env: podEnv })]);
  const endpoints = new Endpoints();
  endpoints.add(leaving.appPort);
  endpoints.add(staying.appPort);
  const load = startLoad({ endpoints, keepAliveClients: 16, oneShotClients: 4, slowClients: 4, slowMs: 700 });
  await delay(700);

  // A request that is certainly in flight when SIGTERM arrives, on a connection to the leaving pod.
  const pinned = new Endpoints();
  pinned.add(leaving.appPort);
  const hookMs = mode === 'sleep' ? drainDelayMs : mode === 'http' ? drainDelayMs : 0;
  const inFlight = send(pinned.agent({ keepAlive: true }), 'slow', `/debug/delay/${hookMs + 1000}`);

  const termination = await terminatePod(leaving, {
    mode,
    endpoints,
    propagationDelayMs,
    gracePeriodSeconds,
    sleepMs: drainDelayMs,
    prestopToken,
  });
  await delay(300);
  const result = await load.stop();
  const slow = await inFlight;
  return { termination, result, slow, leaving, staying };
}

describe.each<PrestopMode>(['http', 'sleep', 'none'])('PRESTOP_MODE=%s: terminating a pod under load', (mode) => {
  it('loses no request, serves in-flight work, flips /readyz but not /healthz, and exits 0 in budget', async () => {
    const { termination, result, slow, leaving } = await rollOnePod(mode, {});
    const afterStart = result.records.filter((r) => r.port === leaving.appPort && r.endedAt > termination.startedAt);
    const figures = {
      requests: result.records.length,
      failedRequests: result.failures.length,
      failedByKind: result.failuresByKind,
      answeredByLeavingPodAfterTerminationBegan: afterStart.length,
      answeredWithConnectionClose: afterStart.filter((r) => r.connectionClose).length,
      sigtermToExitMs: Math.round(termination.sigtermToExitMs),
      terminationMs: Math.round(termination.totalMs),
    };
    recordMeasurement(
      `PRESTOP_MODE=${mode}: ${figures.requests} requests, ${figures.failedRequests} failed ${JSON.stringify(figures.failedByKind)}; ` +
        `${figures.answeredByLeavingPodAfterTerminationBegan} answered by the leaving pod after termination began ` +
        `(${figures.answeredWithConnectionClose} with Connection: close); ` +
        `SIGTERM→exit ${figures.sigtermToExitMs} ms, termination ${figures.terminationMs} ms`,
      figures,
    );

    expect(summarize(result.failures)).toEqual({});
    expect(result.records.length).toBeGreaterThan(200);
    // The drain really carried traffic: the leaving pod answered, and told keep-alive clients to go.
    expect(afterStart.length).toBeGreaterThan(0);
    expect(afterStart.some((r) => r.connectionClose)).toBe(true);
    // The request in flight at SIGTERM finished normally, after SIGTERM.
    expect(slow).toMatchObject({ status: 200 });
    expect(slow.endedAt).toBeGreaterThan(termination.sigtermAt);

    if (mode === 'http') expect(termination.prestopStatus).toBe(200);
    // The pod drains from the /prestop call (http) or from SIGTERM (sleep: the kubelet's sleep is
    // invisible to it; none): from then on it is alive but not ready.
    const drainFrom = (mode === 'http' ? termination.startedAt : termination.sigtermAt) + 50;
    const drainProbes = termination.probes.filter((p) => p.at > drainFrom && typeof p.status === 'number');
    expect(drainProbes.filter((p) => p.path === '/readyz').map((p) => p.status)).toContain(503);
    for (const probe of drainProbes) {
      expect(probe).toMatchObject(probe.path === '/healthz' ? { status: 200 } : { status: 503 });
    }

    expect(termination.exit).toMatchObject({ code: 0, signal: null });
    expect(termination.killedAtGracePeriod).toBe(false);
    expect(termination.totalMs).toBeLessThan(gracePeriodSeconds * 1000);
    const stopped = leaving.logs.find((l) => l.event === 'phase' && l.phase === 'stopped');
    expect(stopped).toMatchObject({ exitCode: 0, forced: [] });
  });
});

describe('control: the same termination with the drain disabled', () => {
  it('loses requests, which proves the test above can fail', async () => {
    const { result, termination } = await rollOnePod('none', { DRAIN_DELAY_MS: '0' });
    const figures = {
      requests: result.records.length,
      failedRequests: result.failures.length,
      failedByKind: result.failuresByKind,
    };
    recordMeasurement(
      `control (PRESTOP_MODE=none, DRAIN_DELAY_MS=0): ${figures.requests} requests, ` +
        `${figures.failedRequests} failed ${JSON.stringify(figures.failedByKind)}`,
      figures,
    );
    expect(termination.exit.code).toBe(0);
    expect(result.failures.length).toBeGreaterThan(0);
  });
});
