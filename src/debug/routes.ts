import type { FastifyPluginAsync } from 'fastify';
import { queryContext } from '../db/query-context.js';
import type { QueryExecutor } from '../db/query-executor.js';
import { sleep } from '../timing/sleep.js';
import { debugErrors } from './errors.js';
import { databaseDelay } from './statements.js';

const delaySchema = {
  params: {
    type: 'object',
    properties: { ms: { type: 'integer', minimum: 0 } },
    required: ['ms'],
  },
} as const;

const crashSchema = {
  querystring: {
    type: 'object',
    properties: { kind: { type: 'string', enum: ['exception', 'rejection'], default: 'exception' } },
    additionalProperties: false,
  },
} as const;

/**
 * Routes for exercising rollouts by hand or in tests, like podinfo's; only served when DEBUG_ROUTES=true.
 * @see https://github.com/stefanprodan/podinfo#api
 */
export const debugRoutes: FastifyPluginAsync<{ delayMaxMs: number; db: QueryExecutor }> = async (
  app,
  { delayMaxMs, db },
) => {
  app.get<{ Params: { ms: number } }>('/debug/delay/:ms', { schema: delaySchema }, async (request) => {
    const { ms } = request.params;
    if (ms > delayMaxMs) throw new debugErrors.DelayTooLong(ms, delayMaxMs);
    // Stop waiting if the client goes away or the handler times out.
    await sleep(ms, request.signal);
    return { delayedMs: ms };
  });

  // Keeps the event loop busy for `ms`, as a CPU-bound handler would: drives overload protection.
  app.get<{ Params: { ms: number } }>('/debug/busy/:ms', { schema: delaySchema }, async (request) => {
    const { ms } = request.params;
    if (ms > delayMaxMs) throw new debugErrors.DelayTooLong(ms, delayMaxMs);
    const until = performance.now() + ms;
    while (performance.now() < until);
    return { busyMs: ms };
  });

  // A bug outside any request (in a timer, an event handler, a forgotten promise), like podinfo's /panic:
  // the crash is logged as one JSON line, the log flushed, and the process exits 1 (run-service.ts).
  app.post<{ Querystring: { kind: 'exception' | 'rejection' } }>(
    '/debug/crash',
    { schema: crashSchema },
    async (request, reply) => {
      const { kind } = request.query;
      setImmediate(() => {
        const error = new Error(`crash asked for by POST /debug/crash (${kind})`);
        if (kind === 'rejection') void Promise.reject(error);
        else throw error;
      });
      return reply.code(202).send({ crashing: kind });
    },
  );

  // A statement that runs `ms` on the server (WAITFOR DELAY): an in-flight query for shutdown tests.
  app.get<{ Params: { ms: number } }>('/debug/db-delay/:ms', { schema: delaySchema }, async (request, reply) => {
    const { ms } = request.params;
    if (ms > delayMaxMs) throw new debugErrors.DelayTooLong(ms, delayMaxMs);
    return { delayedMs: await databaseDelay(db, ms, queryContext(request, reply)) };
  });
};
