import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import type { Phase } from '../../src/lifecycle/lifecycle.js';
import { buildTestService } from '../support/test-app.js';

const info = { name: 'orders-service', version: '1.2.3' };
const token = 'a-token-only-the-pod-spec-knows';
const opened: FastifyInstance[] = [];

/** A service built as production builds it (never listening: requests are injected), and its lifecycle. */
async function build(env: Record<string, string> = {}) {
  const { service, lines } = await buildTestService({ DRAIN_DELAY_MS: '0', ...env }, { info });
  const { app, admin, lifecycle } = service;
  opened.push(app, admin);
  /** Moves the lifecycle forward to `phase`, through the phases before it. */
  const reach = (phase: Phase) => {
    for (const p of ['ready', 'draining', 'closing', 'stopped'] as const) {
      if (lifecycle.phase === phase) return;
      lifecycle.enter(p);
    }
  };
  return { app, admin, lifecycle, lines, reach };
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((instance) => instance.close()));
});

describe('probes', () => {
  it.each<[Phase, number, number]>([
    ['starting', 200, 503],
    ['ready', 200, 200],
    ['draining', 200, 503],
    ['closing', 200, 503],
    ['stopped', 503, 503],
  ])('in %s, /healthz answers %i and /readyz %i, on both listeners', async (phase, health, ready) => {
    const { app, admin, reach } = await build();
    reach(phase);
    for (const instance of [app, admin]) {
      const healthz = await instance.inject('/healthz');
      const readyz = await instance.inject('/readyz');
      expect([healthz.statusCode, readyz.statusCode]).toEqual([health, ready]);
      expect(readyz.json()).toMatchObject({ phase });
    }
  });
});

describe('probes in a shutdown', () => {
  it.each<[string, number]>([
    ['handoff', 200],
    ['SIGTERM', 503],
  ])('begun by %s, /readyz answers %i on both listeners through draining and closing', async (trigger, ready) => {
    const { app, admin, lifecycle, reach } = await build();
    reach('ready');
    lifecycle.beginShutdown(trigger);
    for (const phase of ['draining', 'closing'] as const) {
      lifecycle.enter(phase);
      for (const instance of [app, admin]) {
        const readyz = await instance.inject('/readyz');
        expect([phase, readyz.statusCode]).toEqual([phase, ready]);
        expect(readyz.json()).toMatchObject({ phase });
      }
    }
  });

  it('begun by handoff, /readyz answers 503 once stopped', async () => {
    const { app, admin, lifecycle, reach } = await build();
    reach('ready');
    lifecycle.beginShutdown('handoff');
    for (const phase of ['draining', 'closing', 'stopped'] as const) lifecycle.enter(phase);
    for (const instance of [app, admin]) expect((await instance.inject('/readyz')).statusCode).toBe(503);
  });
});

describe('business routes', () => {
  it('while starting, answer 503 with Retry-After and a stable code', async () => {
    const { app } = await build();
    const response = await app.inject('/');
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toEqual({
      statusCode: 503,
      code: 'SERVICE_STARTING',
      error: 'Service Unavailable',
      message: 'the service is starting; retry shortly',
    });
  });

  it('when ready, GET / names the service and its version, on a keep-alive response', async () => {
    const { app, reach } = await build();
    reach('ready');
    const response = await app.inject('/');
    expect(response.json()).toEqual(info);
    expect(response.headers.connection).not.toBe('close');
  });

  it.each<Phase>(['draining', 'closing'])('in %s, requests are still served, with Connection: close', async (phase) => {
    const { app, reach } = await build();
    reach(phase);
    const response = await app.inject('/');
    expect(response.statusCode).toBe(200);
    expect(response.headers.connection).toBe('close');
  });

  it('unknown routes get 404 with a stable code', async () => {
    const { app, reach } = await build();
    reach('ready');
    const response = await app.inject('/nope?x=1');
    expect(response.json()).toEqual({
      statusCode: 404,
      code: 'NOT_FOUND',
      error: 'Not Found',
      message: 'route GET /nope not found',
    });
  });

  it('an unexpected error answers 500 without its details, which go to the log', async () => {
    const { app, lines, reach } = await build();
    app.get('/boom', async () => {
      throw new Error('password=swordfish');
    });
    reach('ready');
    const response = await app.inject('/boom');
    expect(response.json()).toEqual({
      statusCode: 500,
      code: 'INTERNAL',
      error: 'Internal Server Error',
      message: 'an internal error occurred',
    });
    expect(JSON.stringify(lines)).toContain('password=swordfish');
  });
});

describe('debug routes', () => {
  it('are not served unless DEBUG_ROUTES=true', async () => {
    const { app, reach } = await build();
    reach('ready');
    expect((await app.inject('/debug/delay/1')).statusCode).toBe(404);
  });

  it('GET /debug/delay/:ms answers after that many milliseconds', async () => {
    const { app, reach } = await build({ DEBUG_ROUTES: 'true' });
    reach('ready');
    const started = performance.now();
    const response = await app.inject('/debug/delay/120');
    expect(response.json()).toEqual({ delayedMs: 120 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('rejects a delay above DEBUG_DELAY_MAX_MS, and one that is not a number', async () => {
    const { app, reach } = await build({ DEBUG_ROUTES: 'true', DEBUG_DELAY_MAX_MS: '1000' });
    reach('ready');
    expect((await app.inject('/debug/delay/1001')).json()).toMatchObject({
      statusCode: 400,
      code: 'DELAY_TOO_LONG',
      message: 'delay of 1001 ms is above DEBUG_DELAY_MAX_MS 1000',
    });
    expect((await app.inject('/debug/delay/soon')).json()).toMatchObject({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: 'params/ms must be integer',
    });
  });

  it('a delay longer than HANDLER_TIMEOUT_MS is cut with 503 and Retry-After', async () => {
    const { app, reach } = await build({ DEBUG_ROUTES: 'true', HANDLER_TIMEOUT_MS: '50' });
    reach('ready');
    const response = await app.inject('/debug/delay/5000');
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toMatchObject({ code: 'HANDLER_TIMEOUT' });
  });
});

describe('/prestop', () => {
  it('is served by the admin listener only', async () => {
    const { app, reach } = await build();
    reach('ready');
    expect((await app.inject('/prestop')).statusCode).toBe(404);
  });

  it('with a token configured: 401 without the header, 403 with a wrong one, nothing drains', async () => {
    const { admin, lifecycle, reach } = await build({ PRESTOP_TOKEN: token });
    reach('ready');
    const missing = await admin.inject('/prestop');
    expect(missing.json()).toMatchObject({ statusCode: 401, code: 'PRESTOP_TOKEN_MISSING' });
    const wrong = await admin.inject({ url: '/prestop', headers: { 'x-prestop-token': `${token}x` } });
    expect(wrong.json()).toMatchObject({ statusCode: 403, code: 'PRESTOP_FORBIDDEN' });
    expect(lifecycle.phase).toBe('ready');
  });

  it('with the right token, from anywhere, enters draining and answers after DRAIN_DELAY_MS', async () => {
    const { app, admin, reach } = await build({ PRESTOP_TOKEN: token, DRAIN_DELAY_MS: '150' });
    reach('ready');
    const response = await admin.inject({
      url: '/prestop',
      remoteAddress: '10.244.1.1',
      headers: { 'x-prestop-token': token },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'drained', phase: 'draining' });
    expect(response.json().waitedMs).toBeGreaterThanOrEqual(145);
    expect((await app.inject('/readyz')).statusCode).toBe(503);
  });

  it('without a token, only loopback callers may drain the pod', async () => {
    const { admin, lifecycle, reach } = await build();
    reach('ready');
    const remote = await admin.inject({ url: '/prestop', remoteAddress: '10.244.1.1' });
    expect(remote.json()).toMatchObject({ statusCode: 403, code: 'PRESTOP_FORBIDDEN' });
    expect(lifecycle.phase).toBe('ready');
    const local = await admin.inject({ url: '/prestop', remoteAddress: '::ffff:127.0.0.1' });
    expect(local.statusCode).toBe(200);
    expect(lifecycle.phase).toBe('draining');
  });
});
