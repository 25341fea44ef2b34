import { Request, type TYPES } from 'tedious';
import type { DbConnection } from './connect.js';

/** One of tedious's `TYPES`, e.g. `TYPES.NVarChar`. */
export type SqlType = (typeof TYPES)[keyof typeof TYPES];

/** One parameterised SQL text, named for logs, metrics and the stand-in's statement table. */
export interface Statement<P extends string = string> {
  readonly name: string;
  readonly sql: string;
  /** Every `@name` the text uses, with its SQL type: values are always bound, never concatenated. */
  readonly params: Readonly<Record<P, SqlType>>;
}

export type ParamValues<P extends string> = { readonly [K in P]: unknown };

export function statement<P extends string = never>(
  name: string,
  sql: string,
  params: Readonly<Record<P, SqlType>> = {} as Record<P, SqlType>,
): Statement<P> {
  return { name, sql, params };
}

export interface QueryResult<Row> {
  readonly rows: Row[];
  /** Rows affected, as SQL Server counts them (DONE_COUNT). */
  readonly rowCount: number;
}

/**
 * Runs one statement on one connection; an abort of `signal` sends ATTENTION (`connection.cancel()`)
 * and the promise then rejects with tedious's ECANCEL error once SQL Server has acknowledged it.
 */
export function execute<Row>(
  db: DbConnection,
  { sql, params }: Statement,
  values: Readonly<Record<string, unknown>>,
  signal?: AbortSignal,
): Promise<QueryResult<Row>> {
  return new Promise((resolve, reject) => {
    const rows: Row[] = [];
    const onAbort = () => db.connection.cancel();
    const request = new Request(sql, (error, rowCount) => {
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve({ rows, rowCount: rowCount ?? 0 });
    });
    for (const [name, type] of Object.entries<SqlType>(params)) {
      request.addParameter(name, type, values[name] ?? null);
    }
    request.on('row', (columns: Array<{ value: unknown; metadata: { colName: string } }>) => {
      rows.push(Object.fromEntries(columns.map((c) => [c.metadata.colName, c.value])) as Row);
    });
    db.connection.execSql(request);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
