import { describe, expect, it } from '@jest/globals';
import { createLifecycle, type Closer, type Phase } from '../../src/lifecycle/lifecycle.js';
import { memoryLogger } from '../support/memory-logger.js';

function setup() {
  let clock = 0;
  const { logger, lines } = memoryLogger();
  const lifecycle = createLifecycle({ logger, now: () => clock });
  return { lifecycle, lines, advance: (ms: number) => (clock += ms) };
}

const closer = (name: string, stage: Closer['stage']): Closer => ({ name, stage, timeoutMs: 1, close: async () => {} });

describe('lifecycle', () => {
  it('starts in starting and moves forward through the phases, one timeline line each', () => {
    const { lifecycle, lines, advance } = setup();
    const seen: Array<[Phase, Phase]> = [];
    lifecycle.onPhase((phase, previous) => seen.push([phase, previous]));
    expect(lifecycle.phase).toBe('starting');

    advance(40);
    lifecycle.enter('ready');
    advance(1000);
    lifecycle.beginShutdown('SIGTERM');
    lifecycle.enter('draining');
    advance(5000);
    lifecycle.enter('closing');
    advance(12);
    lifecycle.enter('stopped', { exitCode: 0 });

    expect(seen).toEqual([
      ['ready', 'starting'],
      ['draining', 'ready'],
      ['closing', 'draining'],
      ['stopped', 'closing'],
    ]);
    // Startup lines count from boot, shutdown lines from the start of the shutdown.
    expect(lines.filter((l) => l.event === 'phase')).toMatchObject([
      { phase: 'ready', previous: 'starting', elapsedMs: 40, msg: 'phase ready' },
      { phase: 'draining', previous: 'ready', elapsedMs: 0, trigger: 'SIGTERM' },
      { phase: 'closing', previous: 'draining', elapsedMs: 5000, trigger: 'SIGTERM' },
      { phase: 'stopped', previous: 'closing', elapsedMs: 5012, exitCode: 0 },
    ]);
  });

  it('may skip phases forward (starting straight to closing) but never go back or stay', () => {
    const { lifecycle } = setup();
    lifecycle.enter('closing');
    expect(() => lifecycle.enter('ready')).toThrow('lifecycle cannot move from closing to ready');
    expect(() => lifecycle.enter('closing')).toThrow('lifecycle cannot move from closing to closing');
    expect(lifecycle.phase).toBe('closing');
  });

  it('aborts the shutdown signal once, when the shutdown begins', () => {
    const { lifecycle } = setup();
    expect(lifecycle.shutdownSignal.aborted).toBe(false);
    lifecycle.beginShutdown('prestop');
    lifecycle.beginShutdown('SIGTERM');
    expect(lifecycle.shutdownSignal.aborted).toBe(true);
    expect(String(lifecycle.shutdownSignal.reason)).toContain('prestop');
  });

  it('knows how long ago a phase was entered', () => {
    const { lifecycle, advance } = setup();
    lifecycle.enter('ready');
    advance(300);
    expect(lifecycle.sinceMs('ready')).toBe(300);
    expect(lifecycle.sinceMs('draining')).toBeUndefined();
  });

  it('orders closers by stage, and within a stage the most recently added first', () => {
    const { lifecycle } = setup();
    lifecycle.addCloser(closer('admin-listener', 'admin'));
    lifecycle.addCloser(closer('database', 'resources'));
    lifecycle.addCloser(closer('tracing', 'telemetry'));
    lifecycle.addCloser(closer('cache', 'resources'));
    expect(lifecycle.closers().map((c) => c.name)).toEqual(['cache', 'database', 'tracing', 'admin-listener']);
  });

  it('accepts startup checks only while starting', () => {
    const { lifecycle } = setup();
    lifecycle.addStartupCheck({ name: 'database', run: async () => {} });
    lifecycle.enter('ready');
    expect(() => lifecycle.addStartupCheck({ name: 'late', run: async () => {} })).toThrow('added after startup');
    expect(lifecycle.startupChecks.map((c) => c.name)).toEqual(['database']);
  });
});
