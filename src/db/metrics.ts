import { Gauge, type Registry } from 'prom-client';
import type { Database } from './database.js';

/** The pool and the executor as gauges, read at scrape time. */
export function registerPoolMetrics(registry: Registry, db: Database): void {
  const registers = [registry];
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database connections by state: idle, in_use, opening.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const stats = db.poolStats();
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
      this.set(db.poolStats().waiting);
    },
  });
  new Gauge({
    name: 'db_active_queries',
    help: 'Queries admitted and not yet settled (waiting for a connection or running).',
    registers,
    collect() {
      this.set(db.activeQueries());
    },
  });
}
