import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createLifecycle, type Closer } from '../../src/lifecycle/lifecycle.js';
import { createTerminator, type TerminatorConfig } from '../../src/lifecycle/terminator.js';
import { sleep } from '../../src/timing/sleep.js';
import { fakeListener } from '../support/fake-listener.js';
import { memoryLogger } from '../support/memory-logger.js';

const defaults: TerminatorConfig = {
  prestopMode: 'none',
  drainDelayMs: 5000,
  drainSweepMs: 1000,
  shutdownTimeoutMs: 10_000,
  shutdownMarginMs: 2000,
};

/** A closer that records when it ran; `hangs` never settles, `fails` rejects. */
function closer(
  events: string[],
  name: string,
  stage: Closer['stage'],
  behaviour: 'ok' | 'hangs' | 'fails' = 'ok',
): Closer {
  return {
    name,
    stage,
    timeoutMs: 2000,
    close: (signal) => {
      events.push(`${name}@${Date.now()}`);
      if (behaviour === 'fails') return Promise.reject(new Error('connection reset'));
      if (behaviour === 'hangs') {
        return new Promise(() => signal.addEventListener('abort', () => events.push(`${name} aborted@${Date.now()}`)));
      }
      return Promise.resolve();
    },
  };
}

function setup(config: Partial<TerminatorConfig> = {}, listenerOptions = {}, { listenersInherited = false } = {}) {
  const events: string[] = [];
  const { logger, lines } = memoryLogger();
  const lifecycle = createLifecycle({ logger, now: () => Date.now() });
  const { listener, closeAll } = fakeListener(events, listenerOptions);
  const terminator = createTerminator({
    lifecycle,
    listener,
    config: { ...defaults, ...config },
    logger,
    listenersInherited,
    now: () => Date.now(),
  });
  lifecycle.onPhase((phase) => events.push(`${phase}@${Date.now()}`));
  return { events, lines, lifecycle, terminator, closeAll };
}

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('terminator', () => {
  it('PRESTOP_MODE=none: SIGTERM drains for DRAIN_DELAY_MS, closes the app listener, then each closer by stage', async () => {
    const { events, lifecycle, terminator } = setup({}, { inFlightMs: 300 });
    lifecycle.addCloser(closer(events, 'admin-listener', 'admin'));
    lifecycle.addCloser(closer(events, 'database', 'resources'));
    lifecycle.addCloser(closer(events, 'tracing', 'telemetry'));
    lifecycle.enter('ready');

    expect(terminator.signal('SIGTERM')).toBe('shutdown');
    await jest.advanceTimersByTimeAsync(4999);
    expect(lifecycle.phase).toBe('draining');
    await jest.advanceTimersByTimeAsync(301);
    const report = await terminator.done;

    expect(events).toEqual([
      'ready@0',
      'draining@0',
      'closing@5000',
      'app-listener@5000',
      'database@5300',
      'tracing@5300',
      'admin-listener@5300',
      'stopped@5300',
    ]);
    expect(report).toEqual({ exitCode: 0, forced: [], durationMs: 5300 });
  });

  it('PRESTOP_MODE=http: /prestop answers after DRAIN_DELAY_MS, and the SIGTERM that follows goes straight to closing', async () => {
    const { events, lifecycle, terminator } = setup({ prestopMode: 'http' });
    lifecycle.enter('ready');
    const prestop = terminator.prestop();
    await jest.advanceTimersByTimeAsync(5000);
    await expect(prestop).resolves.toEqual({ waitedMs: 5000 });
    expect(lifecycle.phase).toBe('draining');

    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(0);
    await terminator.done;
    expect(events).toEqual(['ready@0', 'draining@0', 'closing@5000', 'app-listener@5000', 'stopped@5000']);
  });

  it('PRESTOP_MODE=http: a SIGTERM during the /prestop wait closes when the drain delay ends, not later', async () => {
    const { events, lifecycle, terminator } = setup({ prestopMode: 'http' });
    lifecycle.enter('ready');
    void terminator.prestop();
    await jest.advanceTimersByTimeAsync(2000);
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(3000);
    await terminator.done;
    expect(events).toContain('closing@5000');
  });

  it('PRESTOP_MODE=http: a SIGTERM without /prestop (hook failed) still waits DRAIN_DELAY_MS, and says so', async () => {
    const { events, lines, lifecycle, terminator } = setup({ prestopMode: 'http' });
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(5000);
    await terminator.done;
    expect(events).toContain('closing@5000');
    expect(lines).toContainEqual(expect.objectContaining({ event: 'prestop-missed', level: 40 }));
  });

  it('PRESTOP_MODE=sleep: SIGTERM sweeps keep-alive connections for at most DRAIN_SWEEP_MS', async () => {
    const { events, lifecycle, terminator } = setup({ prestopMode: 'sleep' }, { connections: 4 });
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(1000);
    await terminator.done;
    expect(events).toEqual(['ready@0', 'draining@0', 'closing@1000', 'app-listener@1000', 'stopped@1000']);
  });

  it('PRESTOP_MODE=sleep: the sweep ends as soon as the last connection has closed', async () => {
    const { events, lifecycle, terminator, closeAll } = setup({ prestopMode: 'sleep' }, { connections: 4 });
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(150);
    closeAll();
    await jest.advanceTimersByTimeAsync(0);
    await terminator.done;
    expect(events).toContain('closing@150');
  });

  it('a closer that hangs is abandoned at its own deadline, the next one still runs, and the exit code is 1', async () => {
    const { events, lifecycle, terminator } = setup({ drainDelayMs: 0 });
    lifecycle.addCloser(closer(events, 'admin-listener', 'admin'));
    lifecycle.addCloser(closer(events, 'database', 'resources', 'hangs'));
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(2000);
    const report = await terminator.done;

    expect(events).toEqual([
      'ready@0',
      'draining@0',
      'closing@0',
      'app-listener@0',
      'database@0',
      'database aborted@2000',
      'admin-listener@2000',
      'stopped@2000',
    ]);
    expect(report).toMatchObject({ exitCode: 1, forced: [{ step: 'database', what: 'not closed within 2000 ms' }] });
  });

  it('a resource drain starts with closing, alongside the app listener, and the resource closes after both', async () => {
    const { events, lifecycle, terminator } = setup({ drainDelayMs: 0 }, { inFlightMs: 500 });
    const database = closer(events, 'database', 'resources');
    lifecycle.addCloser({
      ...database,
      drainTimeoutMs: 3000,
      drain: async () => {
        events.push(`database drain@${Date.now()}`);
        await sleep(800);
        events.push(`database drained@${Date.now()}`);
        return ['1 query(s) cancelled at DB_DRAIN_TIMEOUT_MS 800'];
      },
    });
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(800);
    const report = await terminator.done;

    expect(events).toEqual([
      'ready@0',
      'draining@0',
      'closing@0',
      'database drain@0',
      'app-listener@0',
      'database drained@800',
      'database@800',
      'stopped@800',
    ]);
    expect(report).toMatchObject({
      exitCode: 1,
      forced: [{ step: 'database', what: '1 query(s) cancelled at DB_DRAIN_TIMEOUT_MS 800' }],
    });
  });

  it('a drain that overruns its deadline is abandoned and reported; the close still runs', async () => {
    const { events, lifecycle, terminator } = setup({ drainDelayMs: 0 });
    lifecycle.addCloser({
      ...closer(events, 'database', 'resources'),
      drainTimeoutMs: 1000,
      drain: () => new Promise(() => {}),
    });
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(1000);
    const report = await terminator.done;
    expect(events.slice(-2)).toEqual(['database@1000', 'stopped@1000']);
    expect(report).toMatchObject({ exitCode: 1, forced: [{ step: 'database', what: 'not drained within 1000 ms' }] });
  });

  it('every line of the shutdown timeline carries the phase and the milliseconds since the shutdown began', async () => {
    const { lines, lifecycle, terminator } = setup({ drainDelayMs: 1000 }, { inFlightMs: 200 });
    lifecycle.addCloser(closer([], 'database', 'resources'));
    lifecycle.enter('ready');
    await jest.advanceTimersByTimeAsync(7000);
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(1200);
    await terminator.done;

    const timeline = lines.filter((l) => ['signal', 'phase', 'shutdown-step'].includes(String(l.event)));
    expect(timeline.map((l) => [l.event, l.phase, l.elapsedMs])).toEqual([
      ['phase', 'ready', 0],
      ['signal', 'ready', 0],
      ['phase', 'draining', 0],
      ['phase', 'closing', 1000],
      ['shutdown-step', 'closing', 1200],
      ['shutdown-step', 'closing', 1200],
      ['phase', 'stopped', 1200],
    ]);
  });

  it('in-flight requests past SHUTDOWN_TIMEOUT_MS are destroyed, and the log says how many', async () => {
    const { lines, lifecycle, terminator } = setup({ drainDelayMs: 0, shutdownTimeoutMs: 800 }, { inFlightMs: 60_000 });
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(800);
    const report = await terminator.done;
    expect(report).toMatchObject({
      exitCode: 1,
      forced: [{ step: 'app-listener', what: '3 connection(s) destroyed at SHUTDOWN_TIMEOUT_MS 800' }],
      durationMs: 800,
    });
    expect(lines).toContainEqual(expect.objectContaining({ event: 'phase', phase: 'stopped', exitCode: 1 }));
  });

  it('a closer that fails is reported and does not stop the others', async () => {
    const { events, lifecycle, terminator } = setup({ drainDelayMs: 0 });
    lifecycle.addCloser(closer(events, 'admin-listener', 'admin'));
    lifecycle.addCloser(closer(events, 'database', 'resources', 'fails'));
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(0);
    const report = await terminator.done;
    expect(report.forced).toEqual([{ step: 'database', what: 'Error: connection reset' }]);
    expect(events).toContain('admin-listener@0');
  });

  it('a second SIGTERM is logged and ignored; a second SIGINT asks for an immediate exit', async () => {
    const { lines, lifecycle, terminator } = setup();
    lifecycle.enter('ready');
    expect(terminator.signal('SIGINT')).toBe('shutdown');
    expect(terminator.signal('SIGTERM')).toBe('ignore');
    expect(terminator.signal('SIGINT')).toBe('exit-now');
    expect(lines.filter((l) => l.event === 'signal').map((l) => l.msg)).toEqual([
      'SIGINT received',
      'SIGTERM ignored: shutdown already under way',
      'second SIGINT: exiting now',
    ]);
    await jest.advanceTimersByTimeAsync(5000);
    await terminator.done;
  });

  it('SIGTERM while starting skips the drain (no endpoint ever pointed here) and aborts startup', async () => {
    const { events, lifecycle, terminator } = setup();
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(0);
    await terminator.done;
    expect(lifecycle.shutdownSignal.aborted).toBe(true);
    expect(events).toEqual(['closing@0', 'app-listener@0', 'stopped@0']);
  });

  it('/prestop while starting answers at once and keeps the pod unready', async () => {
    const { lifecycle, terminator } = setup({ prestopMode: 'http' });
    await expect(terminator.prestop()).resolves.toEqual({ waitedMs: 0 });
    expect(lifecycle.phase).toBe('draining');
    expect(lifecycle.shutdownSignal.aborted).toBe(true);
  });

  it('/prestop after the shutdown has begun closing answers at once', async () => {
    const { lifecycle, terminator } = setup({ drainDelayMs: 0 }, { inFlightMs: 1000 });
    lifecycle.enter('ready');
    void terminator.shutdown('SIGTERM');
    await jest.advanceTimersByTimeAsync(10);
    expect(lifecycle.phase).toBe('closing');
    await expect(terminator.prestop()).resolves.toEqual({ waitedMs: 0 });
    await jest.advanceTimersByTimeAsync(1000);
    await terminator.done;
  });

  it('runs the shutdown once however often it is asked', async () => {
    const { events, lifecycle, terminator } = setup({ drainDelayMs: 0 });
    lifecycle.enter('ready');
    const first = terminator.shutdown('SIGTERM');
    const second = terminator.shutdown('startup-failed');
    await jest.advanceTimersByTimeAsync(0);
    expect(await second).toBe(await first);
    expect(events.filter((e) => e.startsWith('app-listener'))).toHaveLength(1);
  });
});

describe('terminator, on inherited listeners (LISTEN_FDS: the socket outlives the process)', () => {
  const inherited = { listenersInherited: true };

  it('SIGTERM stops accepting at once, sweeps keep-alive connections for DRAIN_SWEEP_MS, then closes', async () => {
    const { events, lifecycle, terminator } = setup({}, { connections: 4, inFlightMs: 200 }, inherited);
    lifecycle.addCloser(closer(events, 'admin-listener', 'admin'));
    lifecycle.addCloser(closer(events, 'database', 'resources'));
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(999);
    expect(lifecycle.phase).toBe('draining');
    await jest.advanceTimersByTimeAsync(201);
    // The timeline first, so a drain that waits for something else fails here rather than at the timeout.
    expect(events).toEqual([
      'ready@0',
      'draining@0',
      'stop-accepting@0',
      'closing@1000',
      'app-listener@1000',
      'database@1200',
      'admin-listener@1200',
      'stopped@1200',
    ]);
    expect(await terminator.done).toEqual({ exitCode: 0, forced: [], durationMs: 1200 });
  });

  it('the sweep ends as soon as the last keep-alive connection has closed', async () => {
    const { events, lifecycle, terminator, closeAll } = setup({}, { connections: 4 }, inherited);
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(150);
    expect(lifecycle.phase).toBe('draining');
    closeAll();
    await jest.advanceTimersByTimeAsync(0);
    expect(events).toEqual([
      'ready@0',
      'draining@0',
      'stop-accepting@0',
      'closing@150',
      'app-listener@150',
      'stopped@150',
    ]);
    await terminator.done;
  });

  it('with no connection open, it goes from draining to closing at once', async () => {
    const { events, lifecycle, terminator } = setup({}, {}, inherited);
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['ready@0', 'draining@0', 'stop-accepting@0', 'closing@0', 'app-listener@0', 'stopped@0']);
    const report = await terminator.done;
    expect(report).toEqual({ exitCode: 0, forced: [], durationMs: 0 });
  });

  it.each(['http', 'sleep', 'none'] as const)(
    'PRESTOP_MODE=%s: no DRAIN_DELAY_MS wait, and no complaint about a missing /prestop',
    async (prestopMode) => {
      const { events, lines, lifecycle, terminator } = setup(
        { prestopMode, drainDelayMs: 20_000, drainSweepMs: 700 },
        { connections: 2 },
        inherited,
      );
      lifecycle.enter('ready');
      terminator.signal('SIGTERM');
      await jest.advanceTimersByTimeAsync(700);
      expect(events).toEqual([
        'ready@0',
        'draining@0',
        'stop-accepting@0',
        'closing@700',
        'app-listener@700',
        'stopped@700',
      ]);
      await terminator.done;
      expect(lines.filter((l) => l.event === 'prestop-missed')).toEqual([]);
    },
  );

  it('a handoff drains the same way, with keep-alive closes spread over half the sweep, and the timeline says the listeners are inherited', async () => {
    const { events, lines, lifecycle, terminator } = setup({}, { connections: 1 }, inherited);
    lifecycle.enter('ready');
    void terminator.shutdown('handoff');
    await jest.advanceTimersByTimeAsync(1000);
    expect(events).toEqual([
      'ready@0',
      'draining@0',
      'stop-accepting(spread 500)@0',
      'closing@1000',
      'app-listener@1000',
      'stopped@1000',
    ]);
    const report = await terminator.done;
    expect(report).toEqual({ exitCode: 0, forced: [], durationMs: 1000 });
    expect(lines).toContainEqual(
      expect.objectContaining({
        event: 'phase',
        phase: 'draining',
        trigger: 'handoff',
        listeners: 'inherited',
        drainSweepMs: 1000,
      }),
    );
  });

  it('in-flight requests past SHUTDOWN_TIMEOUT_MS are still destroyed, and reported', async () => {
    const { lifecycle, terminator } = setup(
      { shutdownTimeoutMs: 800 },
      { connections: 3, inFlightMs: 60_000 },
      inherited,
    );
    lifecycle.enter('ready');
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(1800);
    expect(lifecycle.phase).toBe('stopped');
    const report = await terminator.done;
    expect(report).toEqual({
      exitCode: 1,
      forced: [{ step: 'app-listener', what: '3 connection(s) destroyed at SHUTDOWN_TIMEOUT_MS 800' }],
      durationMs: 1800,
    });
  });

  it('SIGTERM while starting skips the drain: it never accepted a connection', async () => {
    const { events, terminator } = setup({}, { connections: 0 }, inherited);
    terminator.signal('SIGTERM');
    await jest.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['closing@0', 'app-listener@0', 'stopped@0']);
    await terminator.done;
  });
});
