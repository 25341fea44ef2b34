import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { pino } from 'pino';
import { pathOf, requestTraceIds } from './request-span.js';

export interface RequestLogOptions {
  /** Paths (without the query) that are not logged: probes every few seconds would drown the log. */
  readonly unloggedPaths: ReadonlySet<string>;
}

/** What pino keeps on a logger: its bindings as JSON (`,"pid":1,…,"reqId":"req-1"`) and its stream. */
type PinoInternals = FastifyBaseLogger & { readonly levelVal: number } & Record<
    typeof pino.symbols.chindingsSym,
    string
  > &
  Record<typeof pino.symbols.streamSym, { write(line: string): unknown }>;

const infoLevel = 30;
let isoMs = 0;
let isoText = '';

/** The ISO time of this millisecond, as pino.stdTimeFunctions.isoTime writes it, made once per millisecond. */
function isoTime(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/**
 * The access line, as pino would write `request.log.info({event: 'request', …}, msg)` with this
 * project's formatters (level label, ISO time, the request logger's bindings), but written straight
 * to the logger's stream: a line of fixed shape needs no walk over an object's keys, and the time is
 * formatted once per millisecond, not per line. That was about half of what a line cost through pino
 * (`npm run bench`). Values that come from the client (URL, request id) are JSON-escaped; the method
 * is a token (Node's parser refuses anything else) and the route is one of ours.
 */
export function accessLine(request: FastifyRequest, reply: FastifyReply, bindings: string): string {
  const { method, url } = request;
  const route = request.routeOptions.url;
  const status = reply.statusCode;
  const durationMs = Math.round(reply.elapsedTime * 100) / 100;
  const ids = requestTraceIds(request);
  return (
    `{"level":"info","time":"${isoTime()}"${bindings},"event":"request","method":"${method}","url":${JSON.stringify(url)}` +
    (route === undefined ? '' : `,"route":${JSON.stringify(route)}`) +
    `,"statusCode":${status},"durationMs":${durationMs}` +
    (ids ? `,"trace_id":"${ids.trace_id}","span_id":"${ids.span_id}"` : '') +
    `,"msg":${JSON.stringify(`${method} ${route ?? url} ${status} ${durationMs} ms`)}}\n`
  );
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
      const log = request.log as PinoInternals;
      if (log.levelVal <= infoLevel && !unloggedPaths.has(pathOf(request.url))) {
        log[pino.symbols.streamSym].write(accessLine(request, reply, log[pino.symbols.chindingsSym]));
      }
      done();
    });
  },
  { name: 'request-log' },
);
