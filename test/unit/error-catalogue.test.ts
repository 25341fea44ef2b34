import createError from '@fastify/error';
import { describe, expect, it } from '@jest/globals';
import { composeCatalogue, errorCatalogue } from '../../src/service/error-catalogue.js';

describe('the error catalogue', () => {
  it('holds every feature’s errors, each code once', () => {
    const codes = Object.values(errorCatalogue).map((E) => new E().code);
    expect(codes).toEqual(
      expect.arrayContaining(['SERVICE_STARTING', 'DB_UNAVAILABLE', 'ORDER_NOT_FOUND', 'DELAY_TOO_LONG']),
    );
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('refuses two features that name an error alike, or give two errors one code', () => {
    const first = { NotFound: createError('A_NOT_FOUND', 'a %s', 404) };
    expect(() => composeCatalogue(first, { NotFound: createError('B_NOT_FOUND', 'b %s', 404) })).toThrow(
      'error catalogue: NotFound (B_NOT_FOUND) clashes with NotFound',
    );
    expect(() => composeCatalogue(first, { Missing: createError('A_NOT_FOUND', 'a %s', 404) })).toThrow(
      'error catalogue: Missing (A_NOT_FOUND) clashes with NotFound',
    );
  });
});
