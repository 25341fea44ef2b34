import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConnectionDrain } from './connection-drain.js';

/** What the app listener's connection tracking already counts, read at scrape time: the request path pays nothing. */
export function registerDrainMetrics(registry: Registry, drain: ConnectionDrain): void {
  const registers = [registry];
  new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests received and not yet answered.',
    registers,
    collect() {
      this.set(drain.requestsInFlight());
    },
  });
  new Counter({
    name: 'http_drain_connections_closed_total',
    help: 'Client connections closed by the shutdown, by reason: after a response (Connection: close), idle, or forced.',
    labelNames: ['reason'] as const,
    registers,
    collect() {
      const { afterResponse, idle, forced } = drain.counts;
      this.reset();
      this.labels('after_response').inc(afterResponse);
      this.labels('idle').inc(idle);
      this.labels('forced').inc(forced);
    },
  });
}
