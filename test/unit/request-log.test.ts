import { describe, expect, it } from '@jest/globals';
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { accessLine, requestLog } from '../../src/observability/request-log.js';

/** A Fastify app logging through pino, with this project's formatters, into memory. */
async function appWithLog(level = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino(
    {
      level,
      base: { pid: 4242, service: 'svc', generation: 3 },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  const app = Fastify({ loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }) });
  await app.register(requestLog, { unloggedPaths: new Set(['/healthz']) });
  app.get('/orders/:id', async (request) => {
    // What pino itself writes for the same fields, to compare with.
    request.log.info(
      { event: 'request', method: 'GET', url: request.url, route: '/orders/:id', statusCode: 200, durationMs: 1.5 },
      `GET /orders/:id 200 1.5 ms`,
    );
    return { ok: true };
  });
  app.get('/healthz', async () => 'ok');
  return { app, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('the access line, written straight to the stream', () => {
  it('is the line pino writes for the same fields: level, time, the request logger bindings, event, msg', async () => {
    const { app, lines } = await appWithLog();
    const response = await app.inject({ url: '/orders/7?x=1' });
    expect(response.statusCode).toBe(200);
    const [byPino, access] = lines();
    expect(Object.keys(access!)).toEqual(Object.keys(byPino!));
    const { time, durationMs, msg, ...rest } = access!;
    const { time: pinoTime, durationMs: _d, msg: _m, ...pinoRest } = byPino!;
    expect(rest).toEqual(pinoRest);
    expect(rest).toMatchObject({ level: 'info', pid: 4242, service: 'svc', generation: 3, reqId: 'req-1' });
    expect(Date.parse(time as string) - Date.parse(pinoTime as string)).toBeLessThan(1000);
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(typeof durationMs).toBe('number');
    expect(msg).toBe(`GET /orders/:id 200 ${durationMs as number} ms`);
    await app.close();
  });

  it('escapes what the client sent: quotes, backslashes and control characters in the URL stay inside one JSON line', () => {
    // As a request that reached the hook with such a URL (Node's parser is stricter than this).
    const url = '/nowhere/"\\\u0001\n?q="},"level":"fatal';
    const request = { method: 'GET', url, routeOptions: { url: undefined } } as unknown as FastifyRequest;
    const reply = { statusCode: 404, elapsedTime: 0.123 } as unknown as FastifyReply;
    const line = accessLine(request, reply, ',"pid":1,"reqId":"req-\\"1"');
    expect(line.endsWith('}\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      level: 'info',
      time: expect.any(String),
      pid: 1,
      reqId: 'req-"1',
      event: 'request',
      method: 'GET',
      url,
      statusCode: 404,
      durationMs: 0.12,
      msg: `GET ${url} 404 0.12 ms`,
    });
  });

  it('is not written below level info, nor for the unlogged paths', async () => {
    const quiet = await appWithLog('warn');
    await quiet.app.inject({ url: '/orders/1' });
    expect(quiet.lines()).toEqual([]);
    await quiet.app.close();
    const probed = await appWithLog();
    await probed.app.inject({ url: '/healthz?full=1' });
    expect(probed.lines()).toEqual([]);
    await probed.app.close();
  });
});
