import createError from '@fastify/error';

/**
 * What the data layer throws for conditions a client can act on (retry elsewhere or later). Each is a
 * 503 with a stable code, part of the service's error catalogue (http/errors.ts), so routes never
 * translate them.
 */
export const dbErrors = {
  DbNotConfigured: createError(
    'DB_NOT_CONFIGURED',
    'no database is configured for this service (DB_HOST or DB_CONNECTION_STRING)',
    503,
  ),
  DbClosing: createError('DB_CLOSING', 'the service is shutting down and takes no new database work; retry', 503),
  DbBusy: createError('DB_BUSY', 'no database connection became free within DB_ACQUIRE_TIMEOUT_MS %d ms; retry', 503),
  DbUnavailable: createError('DB_UNAVAILABLE', 'the database is unavailable; retry', 503),
  DbQueryCancelled: createError(
    'DB_QUERY_CANCELLED',
    'the query was cancelled because the service is shutting down; retry',
    503,
  ),
  DbTimeout: createError('DB_TIMEOUT', 'the query did not finish within DB_REQUEST_TIMEOUT_MS %d ms', 503),
} as const;

/** A statement SQL Server refused (constraint, syntax, permission): carries SQL Server's error number. */
export class SqlError extends Error {
  constructor(
    readonly number: number,
    message: string,
    readonly statement: string,
  ) {
    super(`${statement}: SQL Server error ${number}: ${message}`);
    this.name = 'SqlError';
  }
}

/** SQL Server's numbers for a duplicate key in a unique index (2601) or constraint (2627). */
export const isUniqueViolation = (error: unknown) =>
  error instanceof SqlError && (error.number === 2601 || error.number === 2627);

/** The fields of a driver error the data layer decides on: tedious's `code`, and SQL Server's error `number`. */
export interface DriverErrorFields {
  readonly code: string | undefined;
  readonly number: number | undefined;
  readonly message: string;
}

/** Reads what a thrown value says about itself, whatever it is, without trusting its shape. */
export function driverErrorFields(error: unknown): DriverErrorFields {
  if (typeof error !== 'object' || error === null)
    return { code: undefined, number: undefined, message: String(error) };
  return {
    code: 'code' in error && typeof error.code === 'string' ? error.code : undefined,
    number: 'number' in error && typeof error.number === 'number' ? error.number : undefined,
    message: 'message' in error && typeof error.message === 'string' ? error.message : String(error),
  };
}
