import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueryOutcome } from '../db/database.js';
import { phases } from '../lifecycle/lifecycle.js';
import { registerRequestHistogram } from './request-histogram.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's own Prometheus registry (never the global one: tests build many apps side by side). */
    metrics: Metrics;
  }
}

export interface Metrics {
  readonly registry: Registry;
  /** One finished database query (see db/plugin.ts). */
  observeQuery(statement: string, outcome: QueryOutcome, durationMs: number): void;
  /** One request shed by overload protection, by the measure that was over its limit. */
  countOverloadRejection(reason: string): void;
}

const seconds = (ms: number) => ms / 1000;
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Prometheus metrics of the app, served at /metrics on the admin listener. Names follow Prometheus
 * conventions: base units, `_seconds`, `_total` for counters; routes by template, never raw URLs.
 * @see https://prometheus.io/docs/practices/naming/
 */
export const metricsPlugin = fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const registers = [registry];

    const requestDuration = registerRequestHistogram(registry, latencyBuckets);
    new Gauge({
      name: 'http_requests_in_flight',
      help: 'Requests received and not yet answered.',
      registers,
      // Counted by connection-drain already, so the request path pays for it once.
      collect() {
        this.set(app.connectionDrain.requestsInFlight());
      },
    });
    app.addHook('onResponse', (request, reply, done) => {
      requestDuration.observe(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        seconds(reply.elapsedTime),
      );
      done();
    });

    registerLifecycleMetrics(app, registers);

    const queryDuration = new Histogram({
      name: 'db_query_duration_seconds',
      help: 'Time from a query admitted to its result, by statement name and outcome.',
      labelNames: ['statement', 'outcome'] as const,
      buckets: latencyBuckets,
      registers,
    });
    const queriesCancelled = new Counter({
      name: 'db_queries_cancelled_total',
      help: 'Queries cancelled (shutdown deadline, client gone, request timeout).',
      labelNames: ['statement'] as const,
      registers,
    });
    const overloadRejections = new Counter({
      name: 'http_overload_rejections_total',
      help: 'Requests answered 503 OVERLOADED, by the measure that was over its limit.',
      labelNames: ['reason'] as const,
      registers,
    });

    const metrics: Metrics = {
      registry,
      observeQuery(statement, outcome, durationMs) {
        queryDuration.labels(statement, outcome).observe(seconds(durationMs));
        if (outcome === 'cancelled') queriesCancelled.labels(statement).inc();
      },
      countOverloadRejection(reason) {
        overloadRejections.labels(reason).inc();
      },
    };
    app.decorate('metrics', metrics);
  },
  { name: 'metrics', dependencies: ['lifecycle', 'connection-drain', 'terminator'] },
);

/** The lifecycle phase, the last shutdown and what the drain did to connections, read at scrape time. */
function registerLifecycleMetrics(app: FastifyInstance, registers: Registry[]): void {
  new Gauge({
    name: 'lifecycle_phase',
    help: '1 for the phase the service is in (starting, ready, draining, closing, stopped), 0 for the others.',
    labelNames: ['phase'] as const,
    registers,
    collect() {
      for (const phase of phases) this.labels(phase).set(app.lifecycle.phase === phase ? 1 : 0);
    },
  });
  const phaseDuration = new Gauge({
    name: 'shutdown_phase_duration_seconds',
    help: 'How long the last shutdown spent in each of its phases (draining, closing).',
    labelNames: ['phase'] as const,
    registers,
  });
  app.lifecycle.onPhase((_next, previous) => {
    if (previous === 'draining' || previous === 'closing') {
      phaseDuration.labels(previous).set(seconds(app.lifecycle.sinceMs(previous) ?? 0));
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
  void app.terminator.done.then((report) => {
    shutdownDuration.set(seconds(report.durationMs));
    for (const what of report.forced) forcedSteps.labels(what.split(':')[0]!).inc();
  });
  new Counter({
    name: 'http_drain_connections_closed_total',
    help: 'Client connections closed by the shutdown, by reason: after a response (Connection: close), idle, or forced.',
    labelNames: ['reason'] as const,
    registers,
    collect() {
      const { afterResponse, idle, forced } = app.connectionDrain.counts;
      this.reset();
      this.labels('after_response').inc(afterResponse);
      this.labels('idle').inc(idle);
      this.labels('forced').inc(forced);
    },
  });
}
