import { describe, expect, it, jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { StartupCheck } from '../../src/lifecycle/lifecycle.js';
import { runService } from '../../src/service/run-service.js';
import { memoryLogger } from '../support/memory-logger.js';
import type { LogLine } from '../support/service-process.js';

const baseEnv = { HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', PORT: '0', ADMIN_PORT: '0', DRAIN_DELAY_MS: '0' };

/** runService in this process, with signals from an EventEmitter instead of the OS. */
function run(env: Record<string, string>, startupChecks: StartupCheck[] = []) {
  const signals = new EventEmitter();
  const exit = jest.fn<(code: number) => void>();
  const { logger, lines } = memoryLogger();
  const exitCode = runService({
    env: { ...baseEnv, ...env },
    info: { name: 'svc', version: '0' },
    signals,
    exit,
    logger,
    startupChecks,
  });
  const waitFor = async (predicate: (line: LogLine) => boolean) => {
    while (!lines.some(predicate)) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const adminPort = () => lines.find((l) => l.event === 'listening' && l.listener === 'admin')?.port as number;
  return { signals, exit, lines, exitCode, waitFor, adminPort };
}

/** A dependency that never comes up, and remembers whether it was told to stop. */
function neverReady() {
  const seen = { aborted: false };
  const check: StartupCheck = {
    name: 'database',
    run: (signal) =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          seen.aborted = true;
          reject(signal.reason);
        }),
      ),
  };
  return { check, seen };
}

describe('the service process, in process', () => {
  it('SIGTERM while a dependency is still coming up stops startup and exits 0 without draining', async () => {
    const { check, seen } = neverReady();
    const service = run({ DRAIN_DELAY_MS: '10000' }, [check]);
    await service.waitFor((l) => l.event === 'listening' && l.listener === 'app');
    const readyz = await fetch(`http://127.0.0.1:${service.adminPort()}/readyz`);
    expect(readyz.status).toBe(503);

    const started = performance.now();
    service.signals.emit('SIGTERM');
    await expect(service.exitCode).resolves.toBe(0);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(seen.aborted).toBe(true);
    const phases = service.lines.filter((l) => l.event === 'phase').map((l) => l.phase);
    expect(phases).toEqual(['closing', 'stopped']);
  });

  it('a dependency that misses STARTUP_TIMEOUT_MS makes the service exit 1, naming it', async () => {
    const { check, seen } = neverReady();
    const service = run({ STARTUP_TIMEOUT_MS: '200' }, [check]);
    await expect(service.exitCode).resolves.toBe(1);
    expect(seen.aborted).toBe(true);
    expect(service.lines).toContainEqual(
      expect.objectContaining({
        event: 'startup-failed',
        msg: 'startup failed: dependencies not ready within STARTUP_TIMEOUT_MS 200 ms: database',
      }),
    );
  });

  it('becomes ready once every dependency is up', async () => {
    let release!: () => void;
    const check: StartupCheck = { name: 'database', run: () => new Promise<void>((resolve) => (release = resolve)) };
    const service = run({}, [check]);
    await service.waitFor((l) => l.event === 'listening' && l.listener === 'app');
    release();
    await service.waitFor((l) => l.event === 'phase' && l.phase === 'ready');
    expect((await fetch(`http://127.0.0.1:${service.adminPort()}/readyz`)).status).toBe(200);
    service.signals.emit('SIGTERM');
    await expect(service.exitCode).resolves.toBe(0);
  });

  it('invalid settings exit 1 before listening, with every bad key in one log line', async () => {
    const service = run({ PORT: 'http', LOG_LEVEL: 'loud' });
    await expect(service.exitCode).resolves.toBe(1);
    expect(service.lines).toEqual([
      expect.objectContaining({
        event: 'config-invalid',
        problems: [
          'PORT: "http" is not an integer',
          'LOG_LEVEL: "loud" is not one of fatal, error, warn, info, debug, trace, silent',
        ],
      }),
    ]);
  });

  it('a port already in use fails startup with exit 1 and closes the other listener', async () => {
    const first = run({});
    await first.waitFor((l) => l.event === 'phase' && l.phase === 'ready');
    const taken = first.lines.find((l) => l.event === 'listening' && l.listener === 'app')?.port as number;
    const second = run({ PORT: String(taken) });
    await expect(second.exitCode).resolves.toBe(1);
    expect(second.lines).toContainEqual(expect.objectContaining({ event: 'startup-failed' }));
    expect(second.lines).toContainEqual(expect.objectContaining({ step: 'admin-listener', outcome: 'done' }));
    first.signals.emit('SIGTERM');
    await first.exitCode;
  });

  it('a SIGTERM during boot is held until the service can act on it, then stops it cleanly', async () => {
    const service = run({ DRAIN_DELAY_MS: '10000' });
    service.signals.emit('SIGTERM');
    await expect(service.exitCode).resolves.toBe(0);
    expect(service.lines.some((l) => l.event === 'listening')).toBe(false);
    expect(service.lines.filter((l) => l.event === 'phase').map((l) => l.phase)).toEqual(['closing', 'stopped']);
    expect(service.exit).not.toHaveBeenCalled();
  });

  it('a second SIGINT during boot exits 130 at once', async () => {
    const service = run({});
    service.signals.emit('SIGINT');
    service.signals.emit('SIGINT');
    expect(service.exit).toHaveBeenCalledWith(130);
    await service.exitCode;
  });

  it('a second SIGINT asks for an immediate exit 130', async () => {
    const service = run({ DRAIN_DELAY_MS: '300' });
    await service.waitFor((l) => l.event === 'phase' && l.phase === 'ready');
    service.signals.emit('SIGINT');
    service.signals.emit('SIGINT');
    expect(service.exit).toHaveBeenCalledWith(130);
    await service.exitCode;
  });
});
