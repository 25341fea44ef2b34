import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { recordMeasurement } from '../support/measurements.js';
import { killAll, startService, type ServiceProcess } from '../support/service-process.js';

const prestopToken = 'process-test-prestop-token';

afterEach(killAll);

const adminGet = (pod: ServiceProcess, path: string, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${pod.adminPort}${path}`, { headers });

describe('the built service, signalled like the kubelet does', () => {
  it('with nothing in flight, after /prestop, SIGTERM-to-exit is under 300 ms (PRESTOP_MODE=http)', async () => {
    const pod = await startService({
      env: { PRESTOP_MODE: 'http', PRESTOP_TOKEN: prestopToken, DRAIN_DELAY_MS: '200' },
    });
    const prestop = await adminGet(pod, '/prestop', { 'x-prestop-token': prestopToken });
    expect(prestop.status).toBe(200);
    const sigtermAt = performance.now();
    pod.kill('SIGTERM');
    const exit = await pod.exited;
    const sigtermToExitMs = exit.at - sigtermAt;
    recordMeasurement(`SIGTERM→exit after /prestop: ${sigtermToExitMs.toFixed(1)} ms`, {
      sigtermToExitMs: Number(sigtermToExitMs.toFixed(1)),
    });
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(sigtermToExitMs).toBeLessThan(300);
  });

  it('SIGTERM while starting (a dependency not up yet) exits 0 at once, without a drain', async () => {
    const pod = await startService({
      entry: 'test/support/fixtures/never-ready-dependency.mjs',
      waitFor: 'listening',
      env: { DRAIN_DELAY_MS: '10000' },
    });
    expect((await adminGet(pod, '/readyz')).status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${pod.appPort}/`)).status).toBe(503);
    const sigtermAt = performance.now();
    pod.kill('SIGTERM');
    const exit = await pod.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - sigtermAt).toBeLessThan(1000);
    expect(pod.logs.filter((l) => l.event === 'phase').map((l) => l.phase)).toEqual(['closing', 'stopped']);
  });

  it('a second SIGTERM is logged and ignored; the shutdown finishes as planned', async () => {
    const pod = await startService({ env: { DRAIN_DELAY_MS: '800' } });
    pod.kill('SIGTERM');
    await pod.waitForLog((l) => l.event === 'phase' && l.phase === 'draining');
    pod.kill('SIGTERM');
    await pod.waitForLog((l) => l.msg === 'SIGTERM ignored: shutdown already under way');
    const exit = await pod.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    // A timer may fire a millisecond early by the monotonic clock (libuv schedules from its cached loop time).
    expect(pod.logs.find((l) => l.phase === 'closing')?.elapsedMs).toBeGreaterThanOrEqual(798);
  });

  it('a second SIGINT exits 130 at once, mid-drain', async () => {
    const pod = await startService({ env: { DRAIN_DELAY_MS: '15000' } });
    pod.kill('SIGINT');
    await pod.waitForLog((l) => l.event === 'phase' && l.phase === 'draining');
    const secondAt = performance.now();
    pod.kill('SIGINT');
    const exit = await pod.exited;
    expect(exit).toMatchObject({ code: 130, signal: null });
    expect(exit.at - secondAt).toBeLessThan(1000);
  });

  it('a request still running at SHUTDOWN_TIMEOUT_MS is cut, and the exit code 1 says something was forced', async () => {
    const pod = await startService({ env: { DRAIN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '300', DEBUG_ROUTES: 'true' } });
    const slow = fetch(`http://127.0.0.1:${pod.appPort}/debug/delay/20000`).then(
      (r) => r.status,
      (error: Error) => error.name,
    );
    await delay(100);
    pod.kill('SIGTERM');
    const exit = await pod.exited;
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(await slow).toBe('TypeError'); // fetch failed: the socket was destroyed
    expect(pod.logs.find((l) => l.phase === 'stopped')).toMatchObject({
      exitCode: 1,
      forced: ['app-listener: 1 connection(s) destroyed at SHUTDOWN_TIMEOUT_MS 300'],
    });
  });
});

describe('the built service, misconfigured', () => {
  it('refuses to start when the shutdown does not fit the grace period, naming the numbers', async () => {
    const pod = await startService({
      waitFor: 'spawned',
      env: { DRAIN_DELAY_MS: '20000', SHUTDOWN_TIMEOUT_MS: '15000', TERMINATION_GRACE_PERIOD_SECONDS: '30' },
    });
    expect(await pod.exited).toMatchObject({ code: 1, signal: null });
    expect(pod.logs).toEqual([
      expect.objectContaining({
        level: 'fatal',
        event: 'config-invalid',
        problems: [
          'the shutdown budget does not fit the grace period: DRAIN_DELAY_MS 20000 + SHUTDOWN_TIMEOUT_MS 15000 + ' +
            'TELEMETRY_FLUSH_TIMEOUT_MS 1000 + SHUTDOWN_MARGIN_MS 2000 = 38000 ms > TERMINATION_GRACE_PERIOD_SECONDS 30 (30000 ms)',
        ],
      }),
    ]);
  });

  it('exits 1 listing every bad key, and never listens', async () => {
    const pod = await startService({ waitFor: 'spawned', env: { PORT: 'eighty', PRESTOP_MODE: 'preStop' } });
    expect(await pod.exited).toMatchObject({ code: 1, signal: null });
    expect(pod.logs).toHaveLength(1);
    expect(pod.logs[0]?.problems).toEqual([
      'PORT: "eighty" is not an integer',
      'PRESTOP_MODE: "preStop" is not one of http, sleep, none',
    ]);
    expect(pod.logs[0]?.msg).toContain('invalid configuration');
  });
});
