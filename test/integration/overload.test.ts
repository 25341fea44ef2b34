import { afterEach, describe, expect, it } from '@jest/globals';
import { parseExposition, valueOf } from '../support/prometheus.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import type { TestDatabase } from '../support/test-database.js';

let service: TestApp | undefined;
afterEach(async () => {
  await service?.stop();
});

const noDatabase = { env: {} } as TestDatabase;

describe('overload protection', () => {
  it('sheds business requests with 503 OVERLOADED and Retry-After while probes on both listeners answer 200', async () => {
    service = await startTestApp(noDatabase, {
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '30',
      OVERLOAD_SAMPLE_INTERVAL_MS: '50',
    });
    await service.startup;
    const { adminUrl } = service;

    // Handlers that keep the event loop busy for 150 ms at a time overload the process for 1.5 s.
    const until = performance.now() + 1500;
    type Seen = { status: number; code?: string; retryAfter: string | null };
    const loop = async (url: string, seen: Seen[]) => {
      while (performance.now() < until) {
        const response = await fetch(url);
        const body = (await response.json()) as { code?: string };
        seen.push({ status: response.status, code: body.code, retryAfter: response.headers.get('retry-after') });
      }
    };
    const business: Seen[] = [];
    const probes: Seen[] = [];
    await Promise.all([
      loop(`${service.url}/debug/busy/150`, []),
      loop(`${service.url}/debug/busy/150`, []),
      loop(`${service.url}/`, business),
      loop(`${adminUrl}/healthz`, probes),
      loop(`${service.url}/healthz`, probes),
    ]);

    const shed = business.filter((r) => r.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed[0]).toEqual({ status: 503, code: 'OVERLOADED', retryAfter: '1' });
    expect(business.every((r) => r.status === 200 || r.code === 'OVERLOADED')).toBe(true);
    expect(probes.length).toBeGreaterThan(2);
    expect(probes.every((r) => r.status === 200)).toBe(true);

    const metrics = parseExposition((await service.service.admin.inject('/metrics')).body);
    expect(valueOf(metrics, 'http_overload_rejections_total', { reason: 'eventLoopDelay' })).toBeGreaterThanOrEqual(
      shed.length,
    );

    // Once the load is gone the service serves again.
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await fetch(`${service.url}/`)).status;
    }
    expect(status).toBe(200);
  });

  it('a heap limit below what is in use sheds every business request, naming the measure; /readyz is not shed', async () => {
    // Only the heap check, so that the message can only name it.
    service = await startTestApp(noDatabase, {
      OVERLOAD_MAX_HEAP_USED_BYTES: '1',
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
      OVERLOAD_SAMPLE_INTERVAL_MS: '20',
    });
    await service.startup;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await fetch(`${service.url}/`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      code: 'OVERLOADED',
      message: 'the service is overloaded (heapUsedBytes); retry shortly',
    });
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });
});
