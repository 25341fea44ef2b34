import fp from 'fastify-plugin';
import { requestTraceIds } from './request-span.js';

export interface RequestLogOptions {
  /** Paths (without the query) that are not logged: probes every few seconds would drown the log. */
  readonly unloggedPaths: ReadonlySet<string>;
}

/**
 * One line per request, once it is answered: method, URL, route template, status, duration, the
 * request id (from Fastify's child logger) and, with tracing on, the trace and span ids. It replaces
 * Fastify's two lines (`incoming request`, `request completed`): the first says nothing the second does
 * not, and each line costs about as much as the request itself (`npm run bench`). A request that never
 * completes shows in `http_requests_in_flight` and, if the process ends, in the shutdown's forced steps.
 */
export const requestLog = fp<RequestLogOptions>(
  async (app, { unloggedPaths }) => {
    // Callback style: on every response, so no promise per request.
    app.addHook('onResponse', (request, reply, done) => {
      const { url } = request;
      const query = url.indexOf('?');
      if (!unloggedPaths.has(query < 0 ? url : url.slice(0, query))) {
        const route = request.routeOptions.url;
        const durationMs = Math.round(reply.elapsedTime * 100) / 100;
        request.log.info(
          {
            event: 'request',
            method: request.method,
            url,
            route,
            statusCode: reply.statusCode,
            durationMs,
            ...requestTraceIds(request),
          },
          `${request.method} ${route ?? url} ${reply.statusCode} ${durationMs} ms`,
        );
      }
      done();
    });
  },
  { name: 'request-log' },
);
