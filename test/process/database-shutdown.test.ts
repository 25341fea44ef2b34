import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import type { StandinEvent } from 'tds-standin';
import { loadMigrations } from '../../src/db/migrate.js';
import { Endpoints } from '../support/endpoints.js';
import { terminatePod } from '../support/kubelet.js';
import { recordMeasurement, recordTarget } from '../support/measurements.js';
import { startWriters } from '../support/order-writer.js';
import { killAll, startService, type ServiceProcess } from '../support/service-process.js';
import { startStandinDatabase, type TestDatabase } from '../support/test-database.js';

const prestopToken = 'process-test-prestop-token';
let db: TestDatabase | undefined;

const databaseTarget = 'TDS stand-in (test double; these tests read its event log)';

beforeAll(() => recordTarget('process-database', `process database target: ${databaseTarget}`, { kind: 'standin' }));

afterEach(async () => {
  await killAll();
  await db?.close();
  db = undefined;
});

async function pod(env: Record<string, string> = {}): Promise<ServiceProcess> {
  return startService({
    env: { ...db!.env, DEBUG_ROUTES: 'true', DRAIN_DELAY_MS: '300', DB_POOL_MIN: '2', ...env },
  });
}

const isDelayStart = (e: StandinEvent) => e.type === 'statement-start' && e.text.includes('WAITFOR DELAY');

/**
 * The pool's connections (those open when the delayed statement started; the migrator's closed at
 * startup) and whether every one of them closed only after `ended`: the database went last.
 */
function poolClosesAfter(events: readonly StandinEvent[], ended: StandinEvent) {
  const started = events.find(isDelayStart)!;
  const closedBefore = new Set(
    events.filter((e) => e.type === 'close' && e.seq < started.seq).map((e) => e.connectionId),
  );
  const pool = events.filter((e) => e.type === 'login' && !closedBefore.has(e.connectionId)).map((e) => e.connectionId);
  const closes = events.filter((e) => e.type === 'close' && pool.includes(e.connectionId));
  return { connections: pool.length, closes: closes.length, allAfter: closes.every((e) => e.seq > ended.seq) };
}

describe('the built service against the TDS stand-in (test double): the database closes last', () => {
  it('when SIGTERM arrives during a query, the response is still 200, /readyz is 503 meanwhile, and connections close after the statement', async () => {
    db = await startStandinDatabase();
    const leaving = await pod();
    const standin = db.standin!;
    const inFlight = fetch(`http://127.0.0.1:${leaving.appPort}/debug/db-delay/3000`);
    await standin.waitFor(isDelayStart);

    const sigtermAt = performance.now();
    leaving.kill('SIGTERM');
    await leaving.waitForLog((l) => l.event === 'phase' && l.phase === 'closing');
    expect((await fetch(`http://127.0.0.1:${leaving.adminPort}/readyz`)).status).toBe(503);

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ delayedMs: 3000 });
    const exit = await leaving.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - sigtermAt).toBeGreaterThanOrEqual(2500);

    const ended = standin.events.find((e) => e.type === 'statement-end' && e.text.includes('WAITFOR DELAY'))!;
    expect(ended).toMatchObject({ outcome: 'ok' });
    const pool = poolClosesAfter(standin.events, ended);
    expect(pool).toEqual({ connections: 2, closes: 2, allAfter: true });
    const sigtermToExitMs = Math.round(exit.at - sigtermAt);
    recordMeasurement(
      `SIGTERM during a 3000 ms query: answered 200, exit 0 ${sigtermToExitMs} ms after SIGTERM; ` +
        `${pool.closes} pool connections closed after the statement ended`,
      { queryMs: 3000, sigtermToExitMs, poolConnectionsClosedAfterStatement: pool.closes },
    );
    expect(leaving.logs.find((l) => l.event === 'db-drained')).toMatchObject({ finished: 1, cancelled: 0 });
  });

  it('a query still running at DB_DRAIN_TIMEOUT_MS is cancelled with ATTENTION, its request gets 503, and connections still close last', async () => {
    db = await startStandinDatabase();
    const env = { DB_DRAIN_TIMEOUT_MS: '1000', DB_CANCEL_TIMEOUT_MS: '1000', SHUTDOWN_TIMEOUT_MS: '5000' };
    const leaving = await pod(env);
    const standin = db.standin!;
    const inFlight = fetch(`http://127.0.0.1:${leaving.appPort}/debug/db-delay/20000`);
    await standin.waitFor(isDelayStart);

    const sigtermAt = performance.now();
    // The stand-in runs in this process, so its event times share this clock.
    const standinSigtermAt = sigtermAt;
    leaving.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ code: 'DB_QUERY_CANCELLED' });

    const exit = await leaving.exited;
    // DRAIN_DELAY_MS 300 + DB_DRAIN_TIMEOUT_MS 1000, then the cancel: far inside the budget.
    const budgetMs = 300 + 5000 + 1000 + 1000 + 2000;
    expect(exit.at - sigtermAt).toBeLessThan(budgetMs);
    expect(exit.at - sigtermAt).toBeGreaterThanOrEqual(1300);
    // Cancelling is forcing: the exit code says so, and the log says what.
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(leaving.logs.find((l) => l.event === 'phase' && l.phase === 'stopped')).toMatchObject({
      forced: ['database: 1 query(s) cancelled at DB_DRAIN_TIMEOUT_MS 1000'],
    });

    const attention = standin.events.find((e) => e.type === 'attention');
    const figures = {
      dbDrainTimeoutMs: 1000,
      sigtermToAttentionMs: Math.round(attention!.atMs - standinSigtermAt),
      sigtermToExitMs: Math.round(exit.at - sigtermAt),
      budgetMs,
    };
    recordMeasurement(
      `query past DB_DRAIN_TIMEOUT_MS 1000: ATTENTION ${figures.sigtermToAttentionMs} ms after SIGTERM, ` +
        `request answered 503, exit 1 ${figures.sigtermToExitMs} ms after SIGTERM (budget ${budgetMs} ms)`,
      figures,
    );
    expect(attention).toMatchObject({ inFlight: true });
    const ended = standin.events.find((e) => e.type === 'statement-end' && e.text.includes('WAITFOR DELAY'))!;
    expect(ended).toMatchObject({ outcome: 'cancelled' });
    expect(ended.seq).toBeGreaterThan(attention!.seq);
    expect(poolClosesAfter(standin.events, ended)).toEqual({ connections: 2, closes: 2, allAfter: true });
  });

  it('during a rolling restart under write load, every order acknowledged with 201 is readable afterwards', async () => {
    db = await startStandinDatabase();
    const env = {
      PRESTOP_MODE: 'http',
      PRESTOP_TOKEN: prestopToken,
      DRAIN_DELAY_MS: '1000',
      TERMINATION_GRACE_PERIOD_SECONDS: '15',
      SHUTDOWN_TIMEOUT_MS: '5000',
      DB_DRAIN_TIMEOUT_MS: '2000',
      DB_CANCEL_TIMEOUT_MS: '1000',
    };
    const endpoints = new Endpoints();
    let pods: ServiceProcess[] = await Promise.all([pod(env), pod(env)]);
    for (const p of pods) endpoints.add(p.appPort);
    const writers = startWriters(endpoints, 8);
    await delay(500);

    // maxSurge 1, maxUnavailable 0: a new pod becomes ready before an old one is terminated.
    const exits = [];
    for (const old of [...pods]) {
      const fresh = await pod(env);
      endpoints.add(fresh.appPort);
      const termination = await terminatePod(old, {
        mode: 'http',
        endpoints,
        propagationDelayMs: 300,
        gracePeriodSeconds: 15,
        prestopToken,
      });
      exits.push(termination.exit.code);
      pods = [...pods.filter((p) => p !== old), fresh];
    }
    await delay(300);
    const { acknowledged, failed } = await writers.stop();

    const reader = pods[0]!;
    const missing: string[] = [];
    for (const write of acknowledged) {
      const response = await fetch(`http://127.0.0.1:${reader.appPort}/orders/${write.id}`);
      const order = response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
      if (order?.sku !== write.body.sku || order.customerId !== write.body.customerId) missing.push(write.id!);
    }
    recordMeasurement(
      `rolling restart of 2 pods under write load: ${acknowledged.length} orders acknowledged, ` +
        `${missing.length} not readable afterwards, ${failed.length} writes failed`,
      {
        pods: 2,
        ordersAcknowledged: acknowledged.length,
        ordersNotReadable: missing.length,
        writesFailed: failed.length,
      },
    );
    expect(acknowledged.length).toBeGreaterThan(100);
    expect(missing).toEqual([]);
    expect(failed.map((f) => f.error ?? `HTTP ${f.status}`)).toEqual([]);
    expect(exits).toEqual([0, 0]);
    expect(db.standin!.engine.store.orders!.size).toBe(acknowledged.length);
  });
});

describe('npm run db:migrate against the TDS stand-in (test double)', () => {
  it('applies pending migrations and exits 0; a second run finds none left', async () => {
    db = await startStandinDatabase();
    const migrate = () => startService({ entry: 'dist/migrate.js', waitFor: 'spawned', env: { ...db!.env } });
    const versions = (await loadMigrations()).map((m) => m.version);
    expect(versions).toContain(1);
    const first = await migrate();
    expect(await first.exited).toMatchObject({ code: 0 });
    expect(first.logs.find((l) => l.event === 'migrations')).toMatchObject({ applied: versions, alreadyApplied: 0 });
    const second = await migrate();
    expect(await second.exited).toMatchObject({ code: 0 });
    expect(second.logs.find((l) => l.event === 'migrations')).toMatchObject({
      applied: [],
      alreadyApplied: versions.length,
    });
  });

  it('exits 1 with a clear message when no database is configured', async () => {
    const run = await startService({ entry: 'dist/migrate.js', waitFor: 'spawned' });
    expect(await run.exited).toMatchObject({ code: 1 });
    expect(run.logs.find((l) => l.event === 'db-off')?.msg).toBe(
      'no database configured: set DB_HOST (or DB_CONNECTION_STRING)',
    );
  });
});
