import { params, rowsOf, statement } from '../db/statement.js';
import type { QueryContext, QueryExecutor } from '../db/query-executor.js';

export const debugStatements = {
  // WAITFOR DELAY takes a datetime variable, so the bound number of milliseconds is turned into one.
  delay: statement({
    name: 'db.delay',
    sql: `DECLARE @delay DATETIME = DATEADD(MILLISECOND, @ms, 0);
WAITFOR DELAY @delay;
SELECT @ms AS delayedMs;`,
    params: { ms: params.int },
    rows: rowsOf<{ delayedMs: number }>(),
  }),
};

/** Holds a connection in a running statement for `ms` (for rollout tests of in-flight queries). */
export async function databaseDelay(db: QueryExecutor, ms: number, context: QueryContext): Promise<number> {
  const { rows } = await db.query(debugStatements.delay, { ms }, context);
  return rows[0]?.delayedMs ?? ms;
}
