import { dbErrors } from '../db/errors.js';
import { debugErrors } from '../debug/errors.js';
import { httpErrors } from '../http/errors.js';
import { orderErrors } from '../orders/errors.js';

/**
 * Every error a client can get from this service, with a stable code: each feature's own, composed
 * here into the one catalogue the error handler knows. A new domain adds its `errors.ts` to this list.
 */
export const errorCatalogue = {
  ...httpErrors,
  ...dbErrors,
  ...orderErrors,
  ...debugErrors,
} as const;
