import { afterEach, describe, expect, it } from '@jest/globals';
import { recordMeasurement } from '../support/measurements.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { killAll, startService, type LogLine } from '../support/service-process.js';
import { startStandinDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase | undefined;
let otlp: OtlpReceiver | undefined;

afterEach(async () => {
  await killAll();
  await db?.close();
  await otlp?.close();
  db = undefined;
  otlp = undefined;
});

const untracedPaths = ['/healthz', '/readyz', '/metrics', '/prestop'];
const serverKind = 2;
const clientKind = 3;
const findOrderSql = 'FROM dbo.orders WHERE id = @id';
const isFindOrder = (span: ReceivedSpan) => String(span.attributes['db.query.text']).includes(findOrderSql);
const isShutdown = (span: ReceivedSpan) => span.name === 'shutdown';

/** The spans from `span` up to its trace's root, following parentSpanId (each parent awaited: batches may split them). */
async function ancestry(receiver: OtlpReceiver, span: ReceivedSpan): Promise<ReceivedSpan[]> {
  const chain = [span];
  for (let at = span; at.parentSpanId !== undefined;) {
    const { traceId, parentSpanId } = at;
    at = await receiver.waitForSpan((s) => s.traceId === traceId && s.spanId === parentSpanId, 5_000);
    chain.push(at);
  }
  return chain;
}

/** Every line of the requests to `url`: the access line names the URL, the others share its reqId. */
const requestLogs = (logs: readonly LogLine[], url: string) => {
  const reqIds = new Set(logs.filter((l) => l.event === 'request' && l.url === url).map((l) => l.reqId));
  return logs.filter((l) => reqIds.has(l.reqId));
};

describe('the built service with tracing on, exporting to a local OTLP/HTTP receiver', () => {
  it('a request and its database statement arrive as one trace, request logs carry its trace_id, and probes, /metrics and /prestop leave no span', async () => {
    db = await startStandinDatabase();
    otlp = await startOtlpReceiver();
    const pod = await startService({ env: { ...db.env, ...otlp.env, LOG_REQUESTS: 'true', DRAIN_DELAY_MS: '200' } });
    const app = `http://127.0.0.1:${pod.appPort}`;
    const admin = `http://127.0.0.1:${pod.adminPort}`;
    for (const url of [`${admin}/healthz`, `${admin}/readyz`, `${admin}/metrics`, `${app}/healthz`, `${app}/readyz`]) {
      await (await fetch(url)).arrayBuffer();
    }

    const response = await fetch(`${app}/orders/1`);
    expect(response.status).toBe(404);
    const statement = await otlp.waitForSpan(isFindOrder);
    // One span per request, the statement's parent: no span per hook, handler or HTTP layer.
    const [, server, ...above] = await ancestry(otlp, statement);
    expect(statement).toMatchObject({ kind: clientKind, attributes: { 'db.system.name': 'microsoft.sql_server' } });
    expect(server).toMatchObject({
      name: 'GET /orders/:id',
      kind: serverKind,
      serviceName: 'k8s-service-starter',
      attributes: {
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'url.path': '/orders/1',
        'http.route': '/orders/:id',
        'http.response.status_code': 404,
        'network.protocol.version': '1.1',
      },
    });
    expect(above).toEqual([]);

    // One access line per request, and it carries the trace: it is the first line of the request, too.
    // Lines are buffered: it reaches stdout within LOG_FLUSH_INTERVAL_MS, maybe after the spans.
    await pod.waitForLog((l) => l.event === 'request' && l.url === '/orders/1', 2000);
    const logs = requestLogs(pod.logs, '/orders/1');
    expect(logs.map((l) => l.msg)).toEqual(['GET /orders/:id 404 ' + String(logs[0]?.durationMs) + ' ms']);
    for (const line of logs) expect(line).toMatchObject({ trace_id: statement.traceId, span_id: server!.spanId });

    // The preStop hook, then SIGTERM: the flush at exit delivers whatever is left, so an absent span was never made.
    expect((await fetch(`${admin}/prestop`)).status).toBe(200);
    pod.kill('SIGTERM');
    expect(await pod.exited).toMatchObject({ code: 0, signal: null });
    expect(otlp.spans.find(isShutdown)?.attributes).toEqual({ 'shutdown.trigger': 'prestop' });
    const untraced = otlp.spans.filter((s) => untracedPaths.includes(String(s.attributes['url.path'])));
    expect(untraced.map((s) => s.name)).toEqual([]);
    // The exporter's own requests are not traced, and only traces are exported.
    const receiverPort = Number(new URL(otlp.endpoint).port);
    expect(otlp.spans.filter((s) => s.kind === clientKind && s.attributes['server.port'] === receiverPort)).toEqual([]);
    expect(new Set(otlp.requests)).toEqual(new Set(['/v1/traces']));
  });

  it('a request served while draining has its span delivered by the shutdown flush, before the process exits 0', async () => {
    db = await startStandinDatabase();
    otlp = await startOtlpReceiver();
    const pod = await startService({
      env: {
        ...db.env,
        ...otlp.env,
        // Batches go out every minute at most, so only the flush at shutdown can deliver within this test.
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        OTEL_SERVICE_NAME: 'orders-api',
        DRAIN_DELAY_MS: '1000',
      },
    });

    const sigtermAt = performance.now();
    pod.kill('SIGTERM');
    await pod.waitForLog((l) => l.event === 'phase' && l.phase === 'draining');
    const response = await fetch(`http://127.0.0.1:${pod.appPort}/orders/1`);
    expect(response.status).toBe(404);
    expect(response.headers.get('connection')).toBe('close');
    expect(otlp.spans).toEqual([]);

    const exit = await pod.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    const statement = otlp.spans.find(isFindOrder);
    expect(statement).toBeDefined();
    const server = (await ancestry(otlp, statement!)).at(-1)!;
    expect(server).toMatchObject({
      kind: serverKind,
      serviceName: 'orders-api',
      attributes: { 'url.path': '/orders/1' },
    });
    expect(server.receivedAt).toBeLessThan(exit.at);

    const shutdown = otlp.spans.find(isShutdown);
    expect(shutdown).toMatchObject({ serviceName: 'orders-api', attributes: { 'shutdown.trigger': 'SIGTERM' } });
    expect(shutdown!.parentSpanId).toBeUndefined();
    expect(shutdown!.events.map((e) => e.name)).toEqual(['draining', 'closing', 'resources-closed']);
    // Each phase event says when the phase began, as the phase's log line does (give or take the write).
    for (const phase of ['draining', 'closing']) {
      const logged = pod.logs.find((l) => l.event === 'phase' && l.phase === phase)!.elapsedMs as number;
      const event = shutdown!.events.find((e) => e.name === phase)!.attributes['shutdown.elapsed_ms'] as number;
      expect(Math.abs(event - logged)).toBeLessThanOrEqual(2);
    }
    expect(shutdown!.receivedAt).toBeLessThan(exit.at);

    const flush = pod.logs.find((l) => l.event === 'shutdown-step' && l.step === 'telemetry');
    expect(flush).toMatchObject({ stage: 'telemetry', outcome: 'done' });
    const stepOrder = pod.logs.filter((l) => l.event === 'shutdown-step').map((l) => l.step);
    expect(stepOrder.indexOf('telemetry')).toBeGreaterThan(stepOrder.indexOf('database'));
    expect(stepOrder.indexOf('telemetry')).toBeLessThan(stepOrder.indexOf('admin-listener'));
    const figures = {
      spansDelivered: otlp.spans.length,
      flushMs: flush!.durationMs as number,
      serverSpanReceivedBeforeExitMs: Math.round(exit.at - server.receivedAt),
      sigtermToExitMs: Math.round(exit.at - sigtermAt),
    };
    recordMeasurement(
      `tracing flush at shutdown: ${figures.spansDelivered} spans delivered in ${figures.flushMs} ms, ` +
        `${figures.serverSpanReceivedBeforeExitMs} ms before exit (${figures.sigtermToExitMs} ms after SIGTERM)`,
      figures,
    );
  });

  it('follows the client’s traceparent and OTEL_TRACES_SAMPLER, and a POST’s statements are children of its span', async () => {
    db = await startStandinDatabase();
    otlp = await startOtlpReceiver();
    // Root requests are never sampled; a request whose caller sampled it is (ParentBased).
    const pod = await startService({
      env: {
        ...db.env,
        ...otlp.env,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
        LOG_REQUESTS: 'true',
        DRAIN_DELAY_MS: '0',
      },
    });
    const [traceId, parentId] = ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'];
    const created = await fetch(`http://127.0.0.1:${pod.appPort}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parentId}-01` },
      body: JSON.stringify({ customerId: 'c-1', sku: 'sku-1', quantity: 2 }),
    });
    expect(created.status).toBe(201);
    const unsampled = await fetch(`http://127.0.0.1:${pod.appPort}/`);
    expect(unsampled.status).toBe(200);
    pod.kill('SIGTERM');
    expect(await pod.exited).toMatchObject({ code: 0, signal: null });

    const server = otlp.spans.find((s) => s.kind === serverKind);
    expect(server).toMatchObject({
      traceId,
      parentSpanId: parentId,
      name: 'POST /orders',
      attributes: { 'http.route': '/orders', 'http.response.status_code': 201 },
    });
    // The body is read on the socket's own async context; the insert still belongs to the request.
    const insert = otlp.spans.find((s) => String(s.attributes['db.query.text']).startsWith('INSERT INTO dbo.orders'));
    expect(insert).toMatchObject({ traceId, parentSpanId: server!.spanId, kind: clientKind });
    // Nothing of the unsampled request (nor of the unsampled shutdown) was exported...
    expect(otlp.spans.filter((s) => s.traceId !== traceId)).toEqual([]);
    // ...but its log line still carries the ids it was given.
    const lines = pod.logs.filter((l) => l.event === 'request');
    expect(lines[0]).toMatchObject({ url: '/orders', trace_id: traceId, span_id: server!.spanId });
    expect(lines[1]).toMatchObject({ url: '/', trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(lines[1]!.trace_id).not.toBe(traceId);
  });

  it('with OTEL_SDK_DISABLED=true nothing is exported, logs carry no trace_id, and the service works as without tracing', async () => {
    db = await startStandinDatabase();
    otlp = await startOtlpReceiver();
    const pod = await startService({
      env: { ...db.env, ...otlp.env, OTEL_SDK_DISABLED: 'true', LOG_REQUESTS: 'true', DRAIN_DELAY_MS: '0' },
    });
    const created = await fetch(`http://127.0.0.1:${pod.appPort}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'c-1', sku: 'sku-1', quantity: 1 }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`http://127.0.0.1:${pod.appPort}/orders/${id}`)).status).toBe(200);

    pod.kill('SIGTERM');
    expect(await pod.exited).toMatchObject({ code: 0, signal: null });
    expect(otlp.requests).toEqual([]);
    expect(requestLogs(pod.logs, `/orders/${id}`)).toHaveLength(1);
    expect(pod.logs.filter((l) => 'trace_id' in l || 'span_id' in l)).toEqual([]);
    expect(pod.logs.filter((l) => l.event === 'shutdown-step').map((l) => l.step)).not.toContain('telemetry');
  });
});
