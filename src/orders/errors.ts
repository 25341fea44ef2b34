import createError from '@fastify/error';

/** The orders domain's errors, part of the service's one catalogue (src/service/error-catalogue.ts). */
export const orderErrors = {
  OrderNotFound: createError('ORDER_NOT_FOUND', 'order %s not found', 404),
  IdempotencyKeyReused: createError(
    'IDEMPOTENCY_KEY_REUSED',
    'Idempotency-Key %s was already used with a different request body',
    409,
  ),
} as const;
