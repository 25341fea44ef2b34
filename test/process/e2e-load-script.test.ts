import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, startService, type LogLine, type ServiceProcess } from '../support/service-process.js';
import { startStandinDatabase, type TestDatabase } from '../support/test-database.js';

// test/e2e/load.mjs is what judges the end-to-end workflow on kind, where it cannot run here; this runs the
// same script against the built service and the TDS stand-in (a test double), to show that it passes a
// healthy service and fails a broken one.

interface Summary {
  ok: boolean;
  problems: string[];
  stopReason: string;
  requests: number;
  failed: number;
  failuresByClass: Record<string, number>;
  kinds: Record<string, { requests: number; failed: number }>;
  writes: { acknowledged: number; replays: number; lost: number; unverified: number };
}

let db: TestDatabase | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await killAll();
  await db?.close();
  db = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** load.mjs as a child process, its JSON lines read like the service's own log. */
function runLoad(service: ServiceProcess, env: Record<string, string>): Promise<ServiceProcess> {
  return startService({
    entry: 'test/e2e/load.mjs',
    waitFor: 'spawned',
    env: {
      TARGET_URL: `http://127.0.0.1:${service.appPort}`,
      CLIENTS_KEEPALIVE: '4',
      CLIENTS_ONESHOT: '2',
      DELAY_MAX_MS: '200',
      DB_DELAY_MAX_MS: '100',
      READY_TIMEOUT_S: '10',
      VERIFY_TIMEOUT_S: '5',
      PROGRESS_S: '1',
      ...env,
    },
  });
}

/** How the load ended: its exit code and its one summary line. */
async function outcome(load: ServiceProcess) {
  const { code } = await load.exited;
  return { code, summary: load.logs.find((line) => line.event === 'load-summary') as Summary | undefined };
}

const isEvent = (name: string) => (line: LogLine) => line.event === name;

async function pod(): Promise<ServiceProcess> {
  db = await startStandinDatabase();
  return startService({ env: { ...db.env, DEBUG_ROUTES: 'true', DRAIN_DELAY_MS: '300' } });
}

function stopFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-load-'));
  dirs.push(dir);
  return join(dir, 'stop');
}

describe('test/e2e/load.mjs, the judge of the end-to-end workflow, against the built service and the TDS stand-in', () => {
  it('passes a healthy service: every kind of request answered, every acknowledged order read back, exit 0', async () => {
    const service = await pod();
    const load = await runLoad(service, { DURATION_S: '3' });
    const { code, summary } = await outcome(load);

    expect({ code, stderr: load.stderr() }).toEqual({ code: 0, stderr: '' });
    expect(summary).toMatchObject({ ok: true, problems: [], stopReason: 'duration', failed: 0 });
    expect(Object.keys(summary!.kinds).sort()).toEqual(['db-delay', 'delay', 'get', 'post', 'post-replay', 'root']);
    expect(summary!.writes.acknowledged).toBeGreaterThan(20);
    expect(summary!.writes).toMatchObject({ lost: 0, unverified: 0 });
    expect(summary!.writes.replays).toBeGreaterThan(0);
  });

  it('fails a pod that dies under it: the requests it refuses are counted, exit 1', async () => {
    const service = await pod();
    const stop = stopFile();
    const load = await runLoad(service, { STOP_FILE: stop });
    const before = await load.waitForLog(isEvent('load-progress'));
    service.kill('SIGKILL');
    await service.exited;
    const linesAtKill = load.logs.length;
    await load.waitForLog((line) => isEvent('load-progress')(line) && load.logs.indexOf(line) >= linesAtKill);
    writeFileSync(stop, '');
    const { code, summary } = await outcome(load);

    expect(code).toBe(1);
    expect(summary).toMatchObject({ ok: false, stopReason: 'stop-file' });
    expect(before.failed).toBe(0);
    expect(summary!.failed).toBeGreaterThan(0);
    expect(summary!.failuresByClass.ECONNREFUSED).toBeGreaterThan(0);
    expect(summary!.problems).toContain(`${summary!.failed} failed request(s)`);
  });

  it('fails a run whose acknowledged orders are gone afterwards: lost writes are counted, exit 1', async () => {
    const service = await pod();
    const stop = stopFile();
    const load = await runLoad(service, { STOP_FILE: stop });
    await load.waitForLog(isEvent('load-progress'));
    writeFileSync(stop, '');
    // The orders vanish as the load stops, before it reads them back (a write that lands while the last
    // requests finish survives; every earlier one is gone).
    await load.waitForLog(isEvent('load-stopping'));
    db!.standin!.engine.store.orders!.clear();
    const { code, summary } = await outcome(load);

    expect(code).toBe(1);
    expect(summary!.writes.acknowledged).toBeGreaterThan(0);
    expect(summary!.writes.lost).toBeGreaterThan(summary!.writes.acknowledged / 2);
    expect(summary!.problems).toContain(`${summary!.writes.lost} acknowledged write(s) lost`);
  });
});
