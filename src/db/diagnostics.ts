import { TYPES } from 'tedious';
import type { Database, QueryContext } from './database.js';
import { statement } from './statement.js';

/** Statements that are not about any table: the pool's validation and the debug delay. */
export const diagnosticStatements = {
  ping: statement('db.ping', 'SELECT 1 AS ok;'),
  // WAITFOR DELAY takes a datetime variable, so the bound number of milliseconds is turned into one.
  delay: statement(
    'db.delay',
    `DECLARE @delay DATETIME = DATEADD(MILLISECOND, @ms, 0);
WAITFOR DELAY @delay;
SELECT @ms AS delayedMs;`,
    { ms: TYPES.Int },
  ),
};

/** Holds a connection in a running statement for `ms` (for rollout tests of in-flight queries). */
export async function databaseDelay(db: Database, ms: number, context: QueryContext): Promise<number> {
  const { rows } = await db.query<{ delayedMs: number }, 'ms'>(diagnosticStatements.delay, { ms }, context);
  return rows[0]?.delayedMs ?? ms;
}
