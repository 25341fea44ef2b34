import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Cleanup } from '../support/cleanup.js';
import { freePort } from '../support/free-port.js';
import { writeJsonReport } from '../support/rollout/report.js';
import { readBack } from '../support/rollout/read-back.js';
import { startTraffic } from '../support/rollout/traffic.js';
import {
  restartTable,
  summarize,
  summaryLine,
  type RestartResult,
  type RestartWindow,
} from '../support/restart/analysis.js';
import { ensureSocketActivate } from '../support/restart/ensure-socket-activate.js';
import { startLoggedProcess, type LoggedProcess, type SeenLine } from '../support/restart/logged-process.js';
import { quietServiceEnv } from '../support/service-process.js';
import { startTestDatabase, type TestDatabase } from '../support/test-database.js';
import { cannotRestore } from '../../src/supervisor/priority.js';

/**
 * The promise on one host, with no balancer: one port, keep-alive and one-shot clients that never
 * retry, writes and slow requests throughout, while the service is restarted three times, by the
 * supervisor (SIGHUP) and under socket activation; a rollback; and a negative control that must fail.
 */

const root = process.cwd();
const restarts = 3;
const origin = (port: number) => ({ host: '127.0.0.1', port });
const say = (text: string) => process.stdout.write(`${text}\n`);
const databaseTarget = process.env.TEST_DB_CONNECTION_STRING
  ? { kind: 'external' as const, says: 'SQL Server given in TEST_DB_CONNECTION_STRING' }
  : { kind: 'standin' as const, says: 'TDS stand-in (test double; set TEST_DB_CONNECTION_STRING for a real server)' };

let database: TestDatabase;
let socketActivate: Awaited<ReturnType<typeof ensureSocketActivate>>;
let cleanup = new Cleanup();
const results: RestartResult[] = [];

beforeAll(async () => {
  socketActivate = await ensureSocketActivate();
  say(
    `restart socket activation: systemd-socket-activate ${socketActivate.version}${socketActivate.installed ? ' (installed by this run)' : ''}`,
  );
  database = await startTestDatabase(databaseTarget.kind);
  say(`restart database target: ${databaseTarget.says}`);
}, 300_000);

afterEach(async () => {
  await cleanup.close();
  cleanup = new Cleanup();
});

afterAll(async () => {
  await database?.close();
  if (results.length === 0) return;
  say(`\n${restartTable(results)}\n`);
  await writeJsonReport('reports/restart.json', {
    generatedAt: new Date().toISOString(),
    database: databaseTarget.says,
    socketActivate: socketActivate.version,
    restarts,
    table: restartTable(results),
    scenarios: results,
  });
});

/**
 * The service's settings in every scenario: shortened shutdown timings, debug routes for slow requests,
 * and a pool with room for the mix's slow queries (about 8 held at a time, 200–1500 ms each): with the
 * default 10, fast queries wait for a connection at random and that wait, not the restart, sets the p99
 * on both sides (each generation has a pool of its own, so a handoff even doubles the room for a moment).
 */
function serviceEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...quietServiceEnv(),
    DEBUG_ROUTES: 'true',
    DRAIN_SWEEP_MS: '1000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    DB_DRAIN_TIMEOUT_MS: '3000',
    DB_CANCEL_TIMEOUT_MS: '1000',
    TERMINATION_GRACE_PERIOD_SECONDS: '15',
    STARTUP_TIMEOUT_MS: '20000',
    DB_POOL_MAX: '30',
    ...database.env,
    ...extra,
  };
}

/** The supervisor as a child process, its generations in process groups of their own, all killed after the test. */
function startSupervisor(env: Record<string, string>): LoggedProcess {
  const supervisor = startLoggedProcess({
    command: process.execPath,
    args: [resolve(root, 'dist/supervisor.js')],
    env,
    groups: (lines) => lines.filter((l) => l.event === 'generation-start').map((l) => l.generationPid as number),
  });
  cleanup.defer(() => supervisor.kill());
  return supervisor;
}

const supervisorLine =
  (event: string, extra: (l: SeenLine) => boolean = () => true) =>
  (l: SeenLine) =>
    l.component === 'supervisor' && l.event === event && extra(l);

function portOf(process: LoggedProcess, listener: 'app' | 'admin'): number {
  return process.lines.find(supervisorLine('listening', (l) => l.listener === listener))!.port as number;
}

/** Traffic throughout `restart`, then every acknowledged write read back. */
async function underLoad(port: number, runId: string, restartAll: () => Promise<RestartWindow[]>) {
  const traffic = startTraffic({
    origin: origin(port),
    runId,
    keepAliveClients: 16,
    oneShotClients: 4,
    signal: cleanup.signal,
  });
  await delay(1500);
  const windows = await restartAll();
  await delay(1500);
  const { records, writes } = await traffic.stop();
  const read = await readBack(origin(port), writes);
  return {
    records,
    windows,
    writes: { acknowledged: writes.length, readable: read.readable, lost: read.lost.map((l) => `${l.id}: ${l.seen}`) },
  };
}

/** SIGHUP `times` times, each once the previous handoff has ended; a window runs from SIGHUP to the old one's exit. */
async function hotRestarts(supervisor: LoggedProcess, times: number): Promise<RestartWindow[]> {
  const windows: RestartWindow[] = [];
  for (let i = 0; i < times; i++) {
    const serving = supervisor.lines.filter(supervisorLine('generation-ready')).at(-1)!.generation as number;
    const from = performance.now();
    supervisor.signal('SIGHUP');
    const exit = await supervisor.waitFor(
      supervisorLine('generation-exit', (l) => l.generation === serving && l.seenAt >= from),
    );
    windows.push({ from, to: exit.seenAt, replaced: serving, exitCode: exit.code as number | null });
    await delay(1000);
  }
  return windows;
}

/** The nice value of each thread of `pid` (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNices(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

/** The supervisor's pid on every line it wrote, and the process's: it never changed. */
const supervisorPids = (supervisor: LoggedProcess) => [
  ...new Set(supervisor.lines.filter((l) => l.component === 'supervisor').map((l) => l.pid as number)),
];

async function stopSupervisor(supervisor: LoggedProcess) {
  supervisor.signal('SIGTERM');
  const exit = await supervisor.exited;
  return { exit, stopped: supervisor.lines.find(supervisorLine('stopped')) };
}

/** No request failed, and every one of the (many) acknowledged writes could be read back afterwards. */
function expectNothingLost(result: RestartResult) {
  expect(result.requests.failedByKind).toEqual({});
  expect(result.writes.lost).toEqual([]);
  expect(result.writes.readable).toBe(result.writes.acknowledged);
  expect(result.writes.acknowledged).toBeGreaterThan(100);
}

function record(result: RestartResult): RestartResult {
  results.push(result);
  say(summaryLine(result));
  return result;
}

describe(`${restarts} restarts on one host, on one port, under keep-alive, one-shot and slow traffic`, () => {
  it(`hot restart: ${restarts} SIGHUPs to the supervisor lose no request and no acknowledged write; every old generation exits 0; p99 during a restart stays within 2× of p99 outside; the supervisor's pid never changes`, async () => {
    const supervisor = startSupervisor(serviceEnv());
    await supervisor.waitFor(supervisorLine('generation-ready', (l) => l.generation === 1));
    const load = await underLoad(portOf(supervisor, 'app'), 'hot', () => hotRestarts(supervisor, restarts));
    const serving = supervisor.lines.filter(supervisorLine('generation-ready')).at(-1)!;
    const servingNices = threadNices(serving.generationPid as number);
    const { exit, stopped } = await stopSupervisor(supervisor);
    const pids = supervisorPids(supervisor);
    const result = record(
      summarize(
        {
          scenario: 'hot restart (SIGHUP)',
          description: 'the supervisor hands the sockets to a new generation',
          facts: { supervisorPids: pids, supervisorExit: exit.code },
        },
        load,
      ),
    );

    expectNothingLost(result);
    expect(result.exitCodes).toEqual(Array(restarts).fill(0));
    expect(result.latency.inside).toBeGreaterThan(50);
    expect(result.latency.p99InsideMs).toBeLessThanOrEqual(2 * result.latency.p99OutsideMs);
    expect(pids).toEqual([supervisor.pid]);
    // Four generations served in turn, each on the sockets the supervisor bound once.
    expect(supervisor.lines.filter(supervisorLine('handoff')).map((l) => [l.from, l.to])).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(stopped).toMatchObject({ exitStatus: 0, generation: 4 });
    // Each new generation started nicer (SUPERVISOR_STARTUP_NICE) and got the supervisor's priority
    // back once ready, on every thread: the one serving at the end is at nice 0 throughout. Where the
    // supervisor could not give it back (no CAP_SYS_NICE, RLIMIT_NICE below 20), none was raised.
    const ready = supervisor.lines.filter(supervisorLine('generation-ready'));
    const priorityOff = supervisor.lines.find(supervisorLine('startup-priority-off'));
    if (cannotRestore(0) === undefined) {
      expect(priorityOff).toBeUndefined();
      expect(ready.map((l) => l.priority)).toEqual([
        undefined,
        ...Array(restarts).fill({ nice: 0, threads: expect.any(Number) }),
      ]);
    } else {
      say(`restart: generations start at the supervisor's priority here: ${priorityOff?.reason as string}`);
      expect(ready.map((l) => l.priority)).toEqual(Array(restarts + 1).fill(undefined));
    }
    expect(servingNices.length).toBeGreaterThan(4);
    expect(new Set(servingNices)).toEqual(new Set([0]));
  }, 180_000);

  it(`socket activation: ${restarts} restarts of the service, with systemd-socket-activate's sockets held across them, refuse and lose nothing`, async () => {
    const [appPort, adminPort] = [await freePort(), await freePort()];
    const stopFile = join(mkdtempSync(join(tmpdir(), 'restart-loop-')), 'stop');
    cleanup.defer(() => rmSync(join(stopFile, '..'), { recursive: true, force: true }));
    const env: Record<string, string> = { ...serviceEnv(), RESTART_LOOP_STOP: stopFile };
    // systemd-socket-activate passes only what -E names.
    const setenv = Object.entries(env).map(([name, value]) => `--setenv=${name}=${value}`);
    const instrumentation = pathToFileURL(resolve(root, 'dist/instrumentation.js')).href;
    const activator = startLoggedProcess({
      command: socketActivate.path,
      args: [
        `--listen=127.0.0.1:${appPort}`,
        `--listen=127.0.0.1:${adminPort}`,
        '--fdname=app:admin',
        ...setenv,
        '/bin/sh',
        resolve(root, 'test/support/restart/restart-loop.sh'),
        process.execPath,
        '--import',
        instrumentation,
        resolve(root, 'dist/main.js'),
      ],
      env: { PATH: env.PATH ?? '' },
    });
    cleanup.defer(() => activator.kill());
    // It execs the loop on the first connection, which waits in the queue until the service listens.
    const first = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
    expect(first.status).toBe(200);
    const servicePids = () => [
      ...new Set(activator.lines.filter((l) => l.event === 'boot').map((l) => l.pid as number)),
    ];
    const load = await underLoad(appPort, 'activated', async () => {
      const windows: RestartWindow[] = [];
      for (let i = 0; i < restarts; i++) {
        const pid = servicePids().at(-1)!;
        const from = performance.now();
        process.kill(pid, 'SIGTERM');
        const stopped = await activator.waitFor((l) => l.pid === pid && l.event === 'phase' && l.phase === 'stopped');
        const next = await activator.waitFor(
          (l) => l.pid !== pid && l.seenAt > from && l.event === 'listening' && l.listener === 'app',
        );
        windows.push({ from, to: next.seenAt, replaced: i + 1, exitCode: stopped.exitCode as number });
        await delay(1000);
      }
      return windows;
    });
    const pids = servicePids();
    const inherited = activator.lines.filter((l) => l.event === 'listening' && l.fd !== undefined).length;
    writeFileSync(stopFile, ''); // the loop ends after this exit
    process.kill(pids.at(-1)!, 'SIGTERM');
    const exit = await activator.exited;
    const result = record(
      summarize(
        {
          scenario: 'socket activation (restart)',
          description: 'the service exits and starts again; the sockets wait with their holder',
          facts: { servicePids: pids, inheritedListeners: inherited },
        },
        load,
      ),
    );

    expectNothingLost(result);
    expect(result.exitCodes).toEqual(Array(restarts).fill(0));
    expect(pids).toHaveLength(restarts + 1);
    // Every process served on the passed descriptors, both listeners each time.
    expect(inherited).toBe(2 * (restarts + 1));
    expect(exit).toMatchObject({ code: 0 });
  }, 180_000);

  it('rollback: a next generation that cannot reach the database is stopped, with its cause in the log, and the old one serves on without a failed request', async () => {
    // The old generation's pool is full from the start, so the refused logins are the new one's alone.
    const supervisor = startSupervisor(
      serviceEnv({ STARTUP_TIMEOUT_MS: '3000', DB_POOL_MIN: '10', DB_POOL_MAX: '10' }),
    );
    await supervisor.waitFor(supervisorLine('generation-ready', (l) => l.generation === 1));
    const adminPort = portOf(supervisor, 'admin');
    let rollback: SeenLine | undefined;
    const load = await underLoad(portOf(supervisor, 'app'), 'rollback', async () => {
      await database.refuseLogins(true);
      cleanup.defer(() => database.refuseLogins(false));
      const from = performance.now();
      supervisor.signal('SIGHUP');
      rollback = await supervisor.waitFor(supervisorLine('rollback'));
      const exit = await supervisor.waitFor(supervisorLine('generation-exit', (l) => l.generation === 2));
      await database.refuseLogins(false);
      return [{ from, to: exit.seenAt, replaced: 2, exitCode: exit.code as number | null }];
    });
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const { exit } = await stopSupervisor(supervisor);
    const result = record(
      summarize(
        {
          scenario: 'rollback (database unreachable)',
          description: 'the next generation fails its startup; the old one keeps serving',
          facts: { cause: rollback?.cause },
        },
        load,
      ),
    );

    expect(result.requests.failedByKind).toEqual({});
    expect(result.writes.readable).toBe(result.writes.acknowledged);
    expect(rollback).toMatchObject({ generation: 2, keeping: 1 });
    expect(String(rollback!.cause)).toMatch(/STARTUP_TIMEOUT_MS 3000 ms: database .*Login failed/);
    // The failed generation exited 1; generation 1 still answers on the shared admin socket.
    expect(result.exitCodes).toEqual([1]);
    expect(metrics).toMatch(/^service_generation 1$/m);
    expect(supervisor.lines.filter(supervisorLine('handoff'))).toEqual([]);
    expect(exit).toMatchObject({ code: 0 });
  }, 120_000);

  it('crash: a generation killed outright is replaced, and a connection made while none serves waits for the next one instead of being refused', async () => {
    const supervisor = startSupervisor(serviceEnv({ SUPERVISOR_RESTART_DELAY_MIN_MS: '500' }));
    const first = await supervisor.waitFor(supervisorLine('generation-ready', (l) => l.generation === 1));
    const port = portOf(supervisor, 'app');
    process.kill(first.generationPid as number, 'SIGKILL');
    await supervisor.waitFor(supervisorLine('crash', (l) => l.generation === 1));
    // Nothing serves now: the connection waits in the socket's queue for generation 2.
    const startedAt = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    const waitedMs = performance.now() - startedAt;
    await supervisor.waitFor(supervisorLine('generation-ready', (l) => l.generation === 2));
    expect(response.status).toBe(200);
    expect(waitedMs).toBeGreaterThan(100);
    const metrics = await (await fetch(`http://127.0.0.1:${portOf(supervisor, 'admin')}/metrics`)).text();
    expect(metrics).toMatch(/^service_generation 2$/m);
    expect(supervisor.lines.filter(supervisorLine('generation-start')).map((l) => l.reason)).toEqual([
      'boot',
      'restart',
    ]);
    const { exit } = await stopSupervisor(supervisor);
    expect(exit).toMatchObject({ code: 0 });
  });

  it('control: generations that hand over by closing their listener and every connection at once, with no drain, lose requests, so the suite can fail', async () => {
    const supervisor = startSupervisor(
      serviceEnv({
        SUPERVISOR_RELEASE_DIR: root,
        SUPERVISOR_ENTRY: 'test/support/fixtures/close-at-once-generation.mjs',
      }),
    );
    await supervisor.waitFor(supervisorLine('generation-ready', (l) => l.generation === 1));
    const load = await underLoad(portOf(supervisor, 'app'), 'control', () => hotRestarts(supervisor, restarts));
    await stopSupervisor(supervisor);
    const result = record(
      summarize(
        {
          scenario: 'control: close at once',
          description: 'listener and every connection closed on the handoff, no drain',
          facts: {},
        },
        load,
      ),
    );
    expect(result.requests.failed).toBeGreaterThan(0);
  }, 180_000);
});
