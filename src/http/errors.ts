import createError, { type FastifyErrorConstructor } from '@fastify/error';

/**
 * The errors of the HTTP layer itself. With each feature's own (db/errors.ts, orders/errors.ts,
 * debug/errors.ts) they make the service's one catalogue (src/service/error-catalogue.ts): stable
 * codes, which the error handler (error-handler.ts) shapes into responses, hiding the details of 5xx.
 */
export const httpErrors = {
  ServiceStarting: createError('SERVICE_STARTING', 'the service is starting; retry shortly', 503),
  PrestopTokenMissing: createError('PRESTOP_TOKEN_MISSING', 'the X-Prestop-Token header is required', 401),
  PrestopForbidden: createError('PRESTOP_FORBIDDEN', 'this caller may not trigger a drain', 403),
  NotFound: createError('NOT_FOUND', 'route %s %s not found', 404),
  Overloaded: createError('OVERLOADED', 'the service is overloaded (%s); retry shortly', 503),
} as const;

/** An error class of a catalogue, as @fastify/error makes them. */
export type CatalogueError = FastifyErrorConstructor;

/** Seconds a client should wait before retrying a 503 of ours. */
export const retryAfterSeconds = 1;
