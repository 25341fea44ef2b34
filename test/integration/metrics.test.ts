import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { Agent, request } from 'node:http';
import { parseExposition, valueOf } from '../support/prometheus.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { startStandinDatabase, type TestDatabase } from '../support/test-database.js';

const opened: Array<{ stop?: () => Promise<unknown>; close?: () => Promise<unknown> }> = [];
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await (thing.stop ?? thing.close)!();
});

/** The service against its own stand-in; its admin listener is the one the shutdown closes last. */
async function start(env: Record<string, string> = {}): Promise<{ service: TestApp; admin: FastifyInstance }> {
  const db: TestDatabase = await startStandinDatabase();
  opened.push(db);
  const service = await startTestApp(db, env);
  opened.push(service);
  await service.startup;
  return { service, admin: service.service.admin };
}

async function scrape(admin: FastifyInstance) {
  const response = await admin.inject('/metrics');
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toContain('text/plain');
  return parseExposition(response.body);
}

/** A keep-alive GET on `agent`: its status (or error code) and whether the server asked to close. */
const getOn = (agent: Agent, url: string) =>
  new Promise<{ status: number | string; close: boolean }>((resolve) => {
    request(url, { agent }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode!, close: res.headers.connection === 'close' }));
    })
      .once('error', (error: NodeJS.ErrnoException) => resolve({ status: error.code ?? error.message, close: true }))
      .end();
  });

const families = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_seconds',
  'http_request_duration_seconds',
  'http_requests_in_flight',
  'lifecycle_phase',
  'shutdown_duration_seconds',
  'shutdown_phase_duration_seconds',
  'shutdown_forced_steps',
  'http_drain_connections_closed_total',
  'db_pool_connections',
  'db_pool_waiting_queries',
  'db_active_queries',
  'db_query_duration_seconds',
  'db_queries_cancelled_total',
  'http_overload_rejections_total',
];

describe('/metrics on the admin listener', () => {
  it('exposes every family in valid Prometheus text, with routes by template and database queries by statement', async () => {
    const { service, admin } = await start({ DB_POOL_MIN: '2' });
    const post = await fetch(`${service.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'c', sku: 's', quantity: 1 }),
    });
    const { id } = (await post.json()) as { id: string };
    await fetch(`${service.url}/orders/${id}`);
    await fetch(`${service.url}/orders/424242`);
    await fetch(`${service.url}/no/such/route`);

    const metrics = await scrape(admin);
    for (const name of families) expect([name, metrics.has(name)]).toEqual([name, true]);
    expect(metrics.get('http_request_duration_seconds')!.type).toBe('histogram');
    expect(metrics.get('db_queries_cancelled_total')!.type).toBe('counter');

    const count = (route: string, status: string) =>
      valueOf(metrics, 'http_request_duration_seconds_count', { method: 'GET', route, status_code: status });
    expect(count('/orders/:id', '200')).toBe(1);
    expect(count('/orders/:id', '404')).toBe(1);
    expect(count('unmatched', '404')).toBe(1);
    const rawUrls = metrics
      .get('http_request_duration_seconds')!
      .samples.filter((s) => s.labels.route?.includes('424242'));
    expect(rawUrls).toEqual([]);

    expect(valueOf(metrics, 'lifecycle_phase', { phase: 'ready' })).toBe(1);
    expect(valueOf(metrics, 'lifecycle_phase', { phase: 'starting' })).toBe(0);
    expect(valueOf(metrics, 'db_pool_connections', { state: 'idle' })).toBe(2);
    expect(valueOf(metrics, 'db_query_duration_seconds_count', { statement: 'orders.insert', outcome: 'ok' })).toBe(1);
    expect(valueOf(metrics, 'db_query_duration_seconds_count', { statement: 'orders.by-id', outcome: 'ok' })).toBe(2);
  });

  it('after a shutdown under load, the shutdown metrics and drain counters hold what the test caused', async () => {
    const { service } = await start({
      DRAIN_DELAY_MS: '400',
      DB_DRAIN_TIMEOUT_MS: '300',
      DB_CANCEL_TIMEOUT_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    // Four keep-alive clients in closed loops. No balancer here takes the pod out of rotation, so each
    // stops once told `Connection: close`, as it would then connect elsewhere.
    const clients = Array.from({ length: 4 }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const statuses: Array<number | string> = [];
      for (let closed = false; !closed;) {
        const response = await getOn(agent, `${service.url}/`);
        statuses.push(response.status);
        closed = response.close;
      }
      agent.destroy();
      return statuses;
    });
    const longQuery = fetch(`${service.url}/debug/db-delay/20000`);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const report = await service.stop();
    const statuses = (await Promise.all(clients)).flat();
    expect((await longQuery).status).toBe(503);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    // The shutdown closed the admin listener last, as in production: read the registry its /metrics served.
    const metrics = parseExposition(await service.service.registry.metrics());
    const { afterResponse, idle, forced } = service.service.app.connectionDrain.counts;
    expect(afterResponse).toBeGreaterThanOrEqual(4);
    expect(valueOf(metrics, 'http_drain_connections_closed_total', { reason: 'after_response' })).toBe(afterResponse);
    expect(valueOf(metrics, 'http_drain_connections_closed_total', { reason: 'idle' })).toBe(idle);
    expect(valueOf(metrics, 'http_drain_connections_closed_total', { reason: 'forced' })).toBe(forced);
    expect(valueOf(metrics, 'shutdown_duration_seconds')).toBeCloseTo(report.durationMs / 1000, 3);
    // DRAIN_DELAY_MS 400; closing lasts at least DB_DRAIN_TIMEOUT_MS 300 (timers may fire a hair early).
    expect(valueOf(metrics, 'shutdown_phase_duration_seconds', { phase: 'draining' })).toBeCloseTo(0.4, 1);
    expect(valueOf(metrics, 'shutdown_phase_duration_seconds', { phase: 'closing' })).toBeGreaterThan(0.29);
    expect(valueOf(metrics, 'db_queries_cancelled_total', { statement: 'db.delay' })).toBe(1);
    expect(valueOf(metrics, 'shutdown_forced_steps', { step: 'database' })).toBe(1);
    expect(valueOf(metrics, 'lifecycle_phase', { phase: 'stopped' })).toBe(1);
    expect(report.forced).toEqual([{ step: 'database', what: '1 query(s) cancelled at DB_DRAIN_TIMEOUT_MS 300' }]);
  });
});
