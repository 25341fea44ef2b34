import createError from '@fastify/error';

/** The debug routes' errors, part of the service's one catalogue (src/service/error-catalogue.ts). */
export const debugErrors = {
  DelayTooLong: createError('DELAY_TOO_LONG', 'delay of %d ms is above DEBUG_DELAY_MAX_MS %d', 400),
} as const;
