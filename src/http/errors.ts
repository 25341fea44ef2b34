import createError from '@fastify/error';
import { dbErrors } from '../db/errors.js';

/**
 * Every error a client can get from this service, with a stable code. Routes throw these; the error
 * handler (error-handler.ts) shapes the response and hides the details of 5xx errors.
 */
export const errors = {
  ServiceStarting: createError('SERVICE_STARTING', 'the service is starting; retry shortly', 503),
  PrestopTokenMissing: createError('PRESTOP_TOKEN_MISSING', 'the X-Prestop-Token header is required', 401),
  PrestopForbidden: createError('PRESTOP_FORBIDDEN', 'this caller may not trigger a drain', 403),
  DelayTooLong: createError('DELAY_TOO_LONG', 'delay of %d ms is above DEBUG_DELAY_MAX_MS %d', 400),
  NotFound: createError('NOT_FOUND', 'route %s %s not found', 404),
  Overloaded: createError('OVERLOADED', 'the service is overloaded (%s); retry shortly', 503),
  OrderNotFound: createError('ORDER_NOT_FOUND', 'order %s not found', 404),
  IdempotencyKeyReused: createError(
    'IDEMPOTENCY_KEY_REUSED',
    'Idempotency-Key %s was already used with a different request body',
    409,
  ),
  ...dbErrors,
} as const;

/** Seconds a client should wait before retrying a 503 of ours. */
export const retryAfterSeconds = 1;
