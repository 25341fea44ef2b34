import createError from '@fastify/error';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { QueryContext } from './query-executor.js';

/** Nobody receives it (the client is gone); nginx's 499 keeps it out of the 5xx error log. */
const ClientClosedRequest = createError('CLIENT_CLOSED_REQUEST', 'the client closed the connection', 499);

/**
 * The query context of a request: it is cancelled when the client goes away (its response closes
 * before it was sent) or when HANDLER_TIMEOUT_MS passes. Not `request.signal` alone: Fastify aborts
 * that as soon as a POST body has been read, because the request stream closes then.
 * @see https://github.com/fastify/fastify/pull/6725
 */
export function queryContext(request: FastifyRequest, reply: FastifyReply): QueryContext {
  const cancel = new AbortController();
  const response = reply.raw;
  response.once('close', () => {
    if (!response.writableFinished) cancel.abort(new ClientClosedRequest());
  });
  const fastifySignal = request.signal;
  fastifySignal.addEventListener(
    'abort',
    () => {
      const reason = fastifySignal.reason as { code?: string } | undefined;
      if (reason?.code === 'FST_ERR_HANDLER_TIMEOUT') cancel.abort(reason);
    },
    { once: true },
  );
  // When the request arrived, which decides whether it may still query in `closing`.
  return { signal: cancel.signal, startedAt: performance.now() - reply.elapsedTime };
}
