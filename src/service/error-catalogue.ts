import { dbErrors } from '../db/errors.js';
import { debugErrors } from '../debug/errors.js';
import { httpErrors, type CatalogueError } from '../http/errors.js';
import { orderErrors } from '../orders/errors.js';

export type Catalogue = Readonly<Record<string, CatalogueError>>;

/**
 * Joins each feature's errors into one catalogue, refusing two errors of the same name or code: a spread
 * would silently keep only the last, and a client could no longer tell the two apart.
 */
export function composeCatalogue(...parts: readonly Catalogue[]): Catalogue {
  const catalogue: Record<string, CatalogueError> = {};
  const codes = new Map<string, string>();
  for (const part of parts) {
    for (const [name, error] of Object.entries(part)) {
      const { code } = new error();
      const taken = name in catalogue ? name : codes.get(code);
      if (taken !== undefined) throw new Error(`error catalogue: ${name} (${code}) clashes with ${taken}`);
      catalogue[name] = error;
      codes.set(code, name);
    }
  }
  return catalogue;
}

/**
 * Every error a client can get from this service, with a stable code: each feature's own, composed
 * here into the one catalogue the error handler knows. Its 5xx answer with their own code and message
 * (a 503 is a condition to retry); a 5xx outside it is an INTERNAL 500 with its details hidden. A new
 * domain adds its `errors.ts` to this list.
 */
export const errorCatalogue = composeCatalogue(httpErrors, dbErrors, orderErrors, debugErrors);
