import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { killAll, startService, type ServiceProcess } from '../support/service-process.js';
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

interface LoadRun {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** Resolves once the script has printed `count` JSON lines of this event. */
  event(name: string, count?: number): Promise<Record<string, unknown>>;
  result: Promise<{ code: number | null; summary?: Summary; stderr: string }>;
}

let db: TestDatabase | undefined;
const loads = new Set<ChildProcess>();
const dirs: string[] = [];

afterEach(async () => {
  for (const child of loads) if (child.exitCode === null) child.kill('SIGKILL');
  loads.clear();
  await killAll();
  await db?.close();
  db = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function runLoad(service: ServiceProcess, env: Record<string, string>): LoadRun {
  const child = spawn(process.execPath, ['test/e2e/load.mjs'], {
    env: {
      PATH: process.env.PATH ?? '',
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
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  loads.add(child);
  const lines: Array<Record<string, unknown>> = [];
  const waiting = new Set<() => void>();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    if (!text.startsWith('{')) return;
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const wake of waiting) wake();
  });
  const result = once(child, 'exit').then(([code]) => ({
    code: code as number | null,
    summary: lines.find((line) => line.event === 'load-summary') as Summary | undefined,
    stderr,
  }));
  const event = (name: string, count = 1) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.filter((line) => line.event === name)[count - 1];
        if (!found) return;
        waiting.delete(check);
        resolve(found);
      };
      waiting.add(check);
      check();
      void result.then(() => reject(new Error(`load.mjs exited before ${count} ${name} line(s); stderr:\n${stderr}`)));
    });
  return { child, lines, event, result };
}

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
    const { result } = runLoad(service, { DURATION_S: '3' });
    const { code, summary, stderr } = await result;

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(summary).toMatchObject({ ok: true, problems: [], stopReason: 'duration', failed: 0 });
    expect(Object.keys(summary!.kinds).sort()).toEqual(['db-delay', 'delay', 'get', 'post', 'post-replay', 'root']);
    expect(summary!.writes.acknowledged).toBeGreaterThan(20);
    expect(summary!.writes).toMatchObject({ lost: 0, unverified: 0 });
    expect(summary!.writes.replays).toBeGreaterThan(0);
  });

  it('fails a pod that dies under it: the requests it refuses are counted, exit 1', async () => {
    const service = await pod();
    const stop = stopFile();
    const load = runLoad(service, { STOP_FILE: stop });
    const before = (await load.event('load-progress')) as { failed: number };
    service.kill('SIGKILL');
    await service.exited;
    const kills = load.lines.filter((line) => line.event === 'load-progress').length;
    await load.event('load-progress', kills + 1);
    writeFileSync(stop, '');
    const { code, summary } = await load.result;

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
    const load = runLoad(service, { STOP_FILE: stop });
    await load.event('load-progress');
    writeFileSync(stop, '');
    // The orders vanish as the load stops, before it reads them back (a write that lands while the last
    // requests finish survives; every earlier one is gone).
    await load.event('load-stopping');
    db!.standin!.engine.store.orders!.clear();
    const { code, summary } = await load.result;

    expect(code).toBe(1);
    expect(summary!.writes.acknowledged).toBeGreaterThan(0);
    expect(summary!.writes.lost).toBeGreaterThan(summary!.writes.acknowledged / 2);
    expect(summary!.problems).toContain(`${summary!.writes.lost} acknowledged write(s) lost`);
  });
});
