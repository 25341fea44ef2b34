import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Cleanup } from '../cleanup.js';
import { startBalancer } from '../haproxy/balancer.js';
import type { HaproxyBinary } from '../haproxy/ensure-haproxy.js';
import type { TestDatabase } from '../test-database.js';
import { createDeployment, type PodEnd } from './deployment.js';
import { readBack } from './read-back.js';
import type { RolloutSettings } from './rollout-settings.js';
import { scenarioResult, type ScenarioResult } from './scenario-result.js';
import { podSpec, type Scenario } from './scenarios.js';
import { startTraffic } from './traffic.js';

export interface ScenarioContext {
  haproxy: HaproxyBinary;
  database: TestDatabase;
  settings: RolloutSettings;
  /** Receives everything the run opens, so that a failed or timed-out test still closes it. */
  cleanup: Cleanup;
}

/** Lets keep-alive connections form and orders exist before the first pod goes, and after the last. */
const settleMs = 1000;

/**
 * One scenario: a Deployment behind HAProxy, under traffic, rolled `restarts` times; then every
 * acknowledged write is read back through the balancer.
 */
export async function runScenario(scenario: Scenario, context: ScenarioContext): Promise<ScenarioResult> {
  const { settings, cleanup } = context;
  const { signal } = cleanup;
  const startedAt = performance.now();
  const spec = podSpec(scenario, settings);
  const balancer = await startBalancer(context.haproxy);
  cleanup.defer(() => balancer.close());
  const deployment = createDeployment({
    replicas: settings.replicas,
    spec: { ...spec, env: { ...context.database.env, ...spec.env } },
    balancer,
  });
  cleanup.defer(() => deployment.close());
  await deployment.scaleUp();
  signal.throwIfAborted();

  const traffic = startTraffic({
    origin: balancer.origin,
    runId: `${scenario.name}-${randomBytes(4).toString('hex')}`,
    keepAliveClients: settings.keepAliveClients,
    oneShotClients: settings.oneShotClients,
    signal,
  });
  cleanup.defer(() => traffic.stop());
  await delay(settleMs, undefined, { signal });
  const pods: PodEnd[] = [];
  for (let restart = 0; restart < settings.restarts; restart += 1) {
    pods.push(...(await deployment.rollingRestart()));
    signal.throwIfAborted();
  }
  await delay(settleMs, undefined, { signal });
  const { records, writes } = await traffic.stop();
  signal.throwIfAborted();
  const { readable, lost } = await readBack(balancer.origin, writes);
  signal.throwIfAborted();

  const facts = {
    scenario: scenario.name,
    prestopMode: scenario.mode,
    draining: scenario.draining,
    replicas: settings.replicas,
    restarts: settings.restarts,
    propagationDelayMs: settings.propagationDelayMs,
    drainDelayMs: spec.drainDelayMs,
    gracePeriodSeconds: spec.gracePeriodSeconds,
    durationMs: Math.round(performance.now() - startedAt),
    writes: { acknowledged: writes.length, readable, lost },
    pods,
  };
  return scenarioResult(facts, records, deployment.createdAt);
}
