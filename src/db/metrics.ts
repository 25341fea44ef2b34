import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { latencyBuckets } from '../observability/metrics-registry.js';
import type { QueryExecutor, QueryOutcome } from './query-executor.js';

export interface DbMetrics {
  /** One settled query (the executor's `onQuery`). */
  observeQuery(statement: string, outcome: QueryOutcome, durationMs: number): void;
  /** Reads the pool and the active queries of `executor` at every scrape. */
  watch(executor: Pick<QueryExecutor, 'poolStats' | 'activeQueries'>): void;
}

/** The data layer's metrics: queries by statement and outcome, cancels, and the pool, on `registry`. */
export function createDbMetrics(registry: Registry): DbMetrics {
  const registers = [registry];
  const queryDuration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Time from a query admitted to its result, by statement name and outcome.',
    labelNames: ['statement', 'outcome'] as const,
    buckets: [...latencyBuckets],
    registers,
  });
  const queriesCancelled = new Counter({
    name: 'db_queries_cancelled_total',
    help: 'Queries cancelled (shutdown deadline, client gone, request timeout).',
    labelNames: ['statement'] as const,
    registers,
  });
  return {
    observeQuery(statement, outcome, durationMs) {
      queryDuration.labels(statement, outcome).observe(durationMs / 1000);
      if (outcome === 'cancelled') queriesCancelled.labels(statement).inc();
    },
    watch(executor) {
      new Gauge({
        name: 'db_pool_connections',
        help: 'Database connections by state: idle, in_use, opening.',
        labelNames: ['state'] as const,
        registers,
        collect() {
          const stats = executor.poolStats();
          this.labels('idle').set(stats.idle);
          this.labels('in_use').set(stats.inUse);
          this.labels('opening').set(stats.opening);
        },
      });
      new Gauge({
        name: 'db_pool_waiting_queries',
        help: 'Queries waiting for a free connection.',
        registers,
        collect() {
          this.set(executor.poolStats().waiting);
        },
      });
      new Gauge({
        name: 'db_active_queries',
        help: 'Queries admitted and not yet settled (waiting for a connection or running).',
        registers,
        collect() {
          this.set(executor.activeQueries());
        },
      });
    },
  };
}
