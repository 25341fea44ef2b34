import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/**
 * Buckets for every latency histogram of the service, in seconds: requests, queries.
 * @see https://prometheus.io/docs/practices/histograms/
 */
export const latencyBuckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The service's own Prometheus registry (never prom-client's global one: tests build many services side
 * by side), with Node's process metrics. Each feature registers its own metrics on it (db/metrics.ts,
 * lifecycle/metrics.ts, http/drain-metrics.ts, http/overload.ts); /metrics on the admin listener serves
 * it. Names follow Prometheus conventions: base units, `_seconds`, `_total` for counters.
 * @see https://prometheus.io/docs/practices/naming/
 */
export function createMetricsRegistry({ generation = 0 }: { generation?: number } = {}): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'service_generation',
    help: 'Which generation of the one-host supervisor this process is (SERVICE_GENERATION); 0 when not supervised.',
    registers: [registry],
  }).set(generation);
  return registry;
}
