import { Gauge, type Registry } from 'prom-client';
import { phases, type Lifecycle } from './lifecycle.js';
import type { ShutdownReport } from './terminator.js';

const seconds = (ms: number) => ms / 1000;

/** The lifecycle phase and the last shutdown (how long, in which phases, what was forced), read at scrape time. */
export function registerLifecycleMetrics(
  registry: Registry,
  { lifecycle, done }: { lifecycle: Lifecycle; done: Promise<ShutdownReport> },
): void {
  const registers = [registry];
  new Gauge({
    name: 'lifecycle_phase',
    help: '1 for the phase the service is in (starting, ready, draining, closing, stopped), 0 for the others.',
    labelNames: ['phase'] as const,
    registers,
    collect() {
      for (const phase of phases) this.labels(phase).set(lifecycle.phase === phase ? 1 : 0);
    },
  });
  const phaseDuration = new Gauge({
    name: 'shutdown_phase_duration_seconds',
    help: 'How long the last shutdown spent in each of its phases (draining, closing).',
    labelNames: ['phase'] as const,
    registers,
  });
  lifecycle.onPhase((_next, previous) => {
    if (previous === 'draining' || previous === 'closing') {
      phaseDuration.labels(previous).set(seconds(lifecycle.sinceMs(previous) ?? 0));
    }
  });
  const shutdownDuration = new Gauge({
    name: 'shutdown_duration_seconds',
    help: 'How long the last shutdown took, from its first step to stopped.',
    registers,
  });
  const forcedSteps = new Gauge({
    name: 'shutdown_forced_steps',
    help: 'Steps the last shutdown had to force (connections destroyed, queries cancelled, closers timed out), by step.',
    labelNames: ['step'] as const,
    registers,
  });
  void done.then((report) => {
    shutdownDuration.set(seconds(report.durationMs));
    for (const { step } of report.forced) forcedSteps.labels(step).inc();
  });
}
