import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { FastifyRequest, RouteHandlerMethod } from 'fastify';
import fp from 'fastify-plugin';

const kSpan = Symbol('request span');
const kContext = Symbol('request context');

declare module 'fastify' {
  interface FastifyRequest {
    [kSpan]: Span | null;
    [kContext]: Context | null;
  }
}

export interface RequestSpanOptions {
  /** Paths (without the query) that get no span: probes. */
  readonly untracedPaths: ReadonlySet<string>;
}

/** The trace and span ids of a request's span, for its log lines; undefined for a request without one. */
export function requestTraceIds(request: FastifyRequest): { trace_id: string; span_id: string } | undefined {
  const span = request[kSpan];
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** The URL's path, without its query. */
export const pathOf = (url: string) => {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
};

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);

/**
 * One SERVER span per request, made from Fastify's hooks, with the stable HTTP semantic conventions
 * and a `traceparent` from the client honoured; the span is the parent of the database's. Cheap by
 * design: an unsampled request gets only its ids (a non-recording span), and no attribute is built
 * for it; the HTTP server instrumentation, which parses and binds every request sampled or not, is
 * off (tracing-sdk.ts). The route handler runs in the span's context (the request body arrives on the
 * socket's own async context, so the hooks' context would not reach it), so the database's spans and
 * the handler's log lines find it.
 * @see https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-server
 */
export const requestSpans = fp<RequestSpanOptions>(
  async (app, { untracedPaths }) => {
    const tracer = trace.getTracer('http-server');
    app.decorateRequest(kSpan, null);
    app.decorateRequest(kContext, null);

    app.addHook('onRoute', (route) => {
      const handler = route.handler as RouteHandlerMethod;
      route.handler = function handleInSpan(request, reply) {
        const active = request[kContext];
        return active ? context.with(active, handler, this, request, reply) : handler.call(this, request, reply);
      };
    });

    app.addHook('onRequest', (request, _reply, done) => {
      const path = pathOf(request.url);
      if (untracedPaths.has(path)) return done();
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      const route = request.routeOptions.url;
      const method = knownMethods.has(request.method) ? request.method : '_OTHER';
      const span = tracer.startSpan(route ? `${method} ${route}` : method, { kind: SpanKind.SERVER }, parent);
      if (span.isRecording()) {
        const [host, port] = (request.headers.host ?? '').split(':');
        span.setAttributes({
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_URL_SCHEME]: 'http',
          [ATTR_URL_PATH]: path,
          [ATTR_NETWORK_PROTOCOL_VERSION]: request.raw.httpVersion,
          [ATTR_CLIENT_ADDRESS]: request.ip,
          ...(route !== undefined && { [ATTR_HTTP_ROUTE]: route }),
          ...(host && { [ATTR_SERVER_ADDRESS]: host }),
          ...(port && { [ATTR_SERVER_PORT]: Number(port) }),
          ...(request.headers['user-agent'] && { [ATTR_USER_AGENT_ORIGINAL]: request.headers['user-agent'] }),
        });
      }
      const active = trace.setSpan(parent, span);
      request[kSpan] = span;
      request[kContext] = active;
      context.with(active, done);
    });

    app.addHook('onError', (request, _reply, error, done) => {
      const span = request[kSpan];
      if (span?.isRecording()) span.recordException(error);
      done();
    });

    app.addHook('onResponse', (request, reply, done) => {
      const span = request[kSpan];
      if (span) {
        if (span.isRecording()) {
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
          if (reply.statusCode >= 500) {
            span.setAttribute(ATTR_ERROR_TYPE, String(reply.statusCode));
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
        }
        span.end();
      }
      done();
    });
  },
  { name: 'request-spans' },
);
