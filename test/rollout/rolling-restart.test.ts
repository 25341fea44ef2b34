import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Cleanup } from '../support/cleanup.js';
import { ensureHaproxy, type HaproxyBinary } from '../support/haproxy/ensure-haproxy.js';
import { plural, resultsTable, say, summaryLine, writeJsonReport } from '../support/rollout/report.js';
import { rolloutSettings } from '../support/rollout/rollout-settings.js';
import { runScenario } from '../support/rollout/run-scenario.js';
import type { ScenarioResult } from '../support/rollout/scenario-result.js';
import { scenarios } from '../support/rollout/scenarios.js';
import { killAll } from '../support/service-process.js';
import { startTestDatabase, type TestDatabase } from '../support/test-database.js';

const settings = rolloutSettings();
const { replicas, restarts } = settings;
const rollingRestarts = `${plural(restarts, 'rolling restart')} of ${plural(replicas, 'replica')}`;
const results: ScenarioResult[] = [];
const databaseTarget = process.env.TEST_DB_CONNECTION_STRING
  ? { kind: 'external' as const, says: 'SQL Server given in TEST_DB_CONNECTION_STRING' }
  : { kind: 'standin' as const, says: 'TDS stand-in (test double; set TEST_DB_CONNECTION_STRING for a real server)' };
// Generous: a pod restart takes seconds, and the machine may be busy with other work.
const scenarioTimeoutMs = 60_000 + restarts * replicas * 25_000;

let haproxy: HaproxyBinary;
let database: TestDatabase | undefined;
let cleanup = new Cleanup();

beforeAll(async () => {
  haproxy = await ensureHaproxy();
  say(`rollout balancer: HAProxy ${haproxy.version} in TCP mode${haproxy.installed ? ' (installed by this run)' : ''}`);
  database = await startTestDatabase(databaseTarget.kind);
  say(`rollout database target: ${databaseTarget.says}`);
}, 300_000);

afterEach(async () => {
  await cleanup.close();
  cleanup = new Cleanup();
});

afterAll(async () => {
  await killAll();
  await database?.close();
  if (results.length === 0) return;
  say(`\n${resultsTable(results)}\n`);
  const report = {
    haproxy: haproxy.version,
    haproxyInstalled: haproxy.installed,
    database: databaseTarget.says,
    settings,
    scenarios: results,
  };
  await writeJsonReport('reports/rollout.json', { generatedAt: new Date().toISOString(), ...report });
});

async function run(name: string): Promise<ScenarioResult> {
  const scenario = scenarios.find((s) => s.name === name)!;
  const result = await runScenario(scenario, { haproxy, database: database!, settings, cleanup });
  results.push(result);
  say(summaryLine(result));
  return result;
}

describe(`${rollingRestarts} behind HAProxy, under keep-alive, one-shot and slow traffic`, () => {
  it.each(['http', 'sleep', 'none'])(
    `during ${rollingRestarts} with PRESTOP_MODE=%s, no request fails and no write is lost`,
    async (mode) => {
      const result = await run(mode);
      const replaced = restarts * replicas;

      expect(result.requests.failedByKind).toEqual({});
      expect(result.firstFailures).toEqual([]);
      expect(result.writes.lost).toEqual([]);
      expect(result.writes.readable).toBe(result.writes.acknowledged);
      // The run carried real traffic: reads, writes and slow requests, through every pod.
      for (const route of Object.values(result.requests.byRoute)) expect(route.sent).toBeGreaterThan(10);
      expect(Object.keys(result.requests.byRoute)).toHaveLength(5);
      expect(result.writes.acknowledged).toBeGreaterThan(100);
      for (const pod of result.pods) expect(pod.connections).toBeGreaterThan(0);
      // Pods held connections when taken out, which went on flowing to them: the case that loses requests.
      expect(result.pods.reduce((open, pod) => open + pod.openAtRemoval, 0)).toBeGreaterThan(0);
      // The balancer never sent a connection to a pod that no longer listened.
      expect(result.pods.map((pod) => pod.failedConnects)).toEqual(Array(replaced).fill(0));

      expect(result.pods.map((pod) => [pod.exitCode, pod.signal])).toEqual(Array(replaced).fill([0, null]));
      expect(result.killedAtGracePeriod).toBe(0);
      expect(result.maxTerminationMs).toBeLessThan(result.gracePeriodSeconds * 1000);
      if (mode === 'http') expect(result.pods.map((pod) => pod.prestopStatus)).toEqual(Array(replaced).fill(200));
    },
    scenarioTimeoutMs,
  );

  it(
    'with draining disabled (PRESTOP_MODE=none, DRAIN_DELAY_MS=0, no hook), the same rolling restarts fail requests: the suite can fail',
    async () => {
      const result = await run('control');
      expect(result.requests.failed).toBeGreaterThan(0);
    },
    scenarioTimeoutMs,
  );
});
