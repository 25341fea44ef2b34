import type { FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import { httpErrors, retryAfterSeconds, type CatalogueError } from './errors.js';

interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

const statusText: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Maps Fastify's own error codes to ours, so clients see one vocabulary. */
const frameworkCodes: Record<string, string> = {
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_HANDLER_TIMEOUT: 'HANDLER_TIMEOUT',
};

export interface ErrorHandlerOptions {
  /** Every error class whose message is meant for clients: the service's one catalogue. */
  readonly catalogue: Readonly<Record<string, CatalogueError>>;
}

/** One error handler and one not-found handler for a Fastify instance (both listeners use it). */
export const errorHandlerPlugin = fp<ErrorHandlerOptions>(
  async (app, { catalogue }) => {
    const knownCodes = new Set<string>([
      ...Object.values(catalogue).map((E) => new E().code),
      ...Object.values(frameworkCodes),
    ]);
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const statusCode = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      const code = (error.code && frameworkCodes[error.code]) ?? error.code;
      // Only errors of the catalogue (or Fastify's, mapped) have messages meant for clients.
      const known = code !== undefined && knownCodes.has(code);
      const body: ErrorBody = {
        statusCode,
        code: known ? code : statusCode >= 500 ? 'INTERNAL' : (code ?? 'BAD_REQUEST'),
        error: statusText[statusCode] ?? 'Error',
        message: known || statusCode < 500 ? error.message : 'an internal error occurred',
      };
      // A 503 of the catalogue is a condition the client can act on (retry); other 5xx are defects.
      if (statusCode >= 500) {
        const level = known && statusCode === 503 ? 'warn' : 'error';
        request.log[level]({ err: error, code: body.code }, 'request failed');
      }
      if (statusCode === 503) reply.header('retry-after', String(retryAfterSeconds));
      return reply.code(statusCode).send(body);
    });
    app.setNotFoundHandler((request) => {
      throw new httpErrors.NotFound(request.method, request.url.split('?')[0]);
    });
  },
  { name: 'error-handler' },
);
