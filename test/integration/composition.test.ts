import { afterEach, describe, expect, it } from '@jest/globals';
import type { Telemetry } from '../../src/observability/telemetry.js';
import { buildTestService } from '../support/test-app.js';
import { startStandinDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.close();
});

/** A test double of the tracing SDK that instrumentation.ts would start: it only counts its flushes. */
function telemetryDouble() {
  const flushes: number[] = [];
  const telemetry: Telemetry = { tracing: true, shutdown: async () => void flushes.push(performance.now()) };
  return { telemetry, flushes };
}

describe('createService, the composition root', () => {
  it('registers every closer once, and the shutdown runs them in stage order after the app listener', async () => {
    db = await startStandinDatabase();
    const { telemetry, flushes } = telemetryDouble();
    const { service, lines } = await buildTestService(
      { ...db.env, HOST: '127.0.0.1', PORT: '0', ADMIN_HOST: '127.0.0.1', ADMIN_PORT: '0', DRAIN_DELAY_MS: '0' },
      { telemetry },
    );
    expect(service.lifecycle.closers().map((c) => [c.name, c.stage])).toEqual([
      ['database', 'resources'],
      ['telemetry', 'telemetry'],
      ['admin-listener', 'admin'],
    ]);
    const ports = await service.listen();
    await expect(service.start()).resolves.toBe('ready');
    expect((await fetch(`http://127.0.0.1:${ports.admin}/readyz`)).status).toBe(200);

    const report = await service.stop('test');
    expect(report).toMatchObject({ exitCode: 0, forced: [] });
    await expect(service.done).resolves.toBe(report);
    const steps = lines.filter((l) => l.event === 'shutdown-step').map((l) => `${l.step} ${l.outcome ?? ''}`.trim());
    expect(steps).toEqual([
      'database-drain done',
      'app-listener',
      'database done',
      'telemetry done',
      'admin-listener done',
    ]);
    expect(flushes).toHaveLength(1);
    // The admin listener closed last: nothing answers on it any more.
    await expect(fetch(`http://127.0.0.1:${ports.admin}/readyz`)).rejects.toThrow();
    // And the database's connections were closed, each of them (the stand-in sees each socket end).
    const standin = db.standin!;
    const opened = standin.events.filter((e) => e.type === 'connect').map((e) => e.connectionId);
    expect(opened.length).toBeGreaterThan(0);
    await Promise.all(opened.map((id) => standin.waitFor((e) => e.type === 'close' && e.connectionId === id)));
  });

  it('without tracing it registers no telemetry closer, and without a database no database closer', async () => {
    const { service } = await buildTestService({}, { telemetry: { tracing: false, shutdown: async () => {} } });
    expect(service.lifecycle.closers().map((c) => c.name)).toEqual(['admin-listener']);
    expect(service.lifecycle.startupChecks).toEqual([]);
  });
});
