import { rowsOf, statement } from './statement.js';

/** The pool's check of a connection that sat idle (DB_VALIDATE_AFTER_IDLE_MS). */
export const pingStatement = statement({
  name: 'db.ping',
  sql: 'SELECT 1 AS ok;',
  params: {},
  rows: rowsOf<{ ok: number }>(),
});
