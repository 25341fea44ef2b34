import { Request, TYPES } from 'tedious';
import type { DbConnection } from './connect.js';

/** One of tedious's `TYPES`, e.g. `TYPES.NVarChar`. */
export type SqlType = (typeof TYPES)[keyof typeof TYPES];

/** A bound parameter: its SQL type, and, for the compiler only, the values it accepts. */
export interface Param<Value> {
  readonly type: SqlType;
  /** Never set: carries `Value` to `query()`'s call sites. */
  readonly accepts?: Value;
}

const param = <Value>(type: SqlType): Param<Value> => ({ type });

/** The parameter types statements use; add one here when a statement needs another SQL type. */
export const params = {
  int: param<number>(TYPES.Int),
  /** Within JavaScript's safe integer range: tedious refuses larger values (src/orders/schemas.ts). */
  bigint: param<number | string>(TYPES.BigInt),
  nvarchar: param<string>(TYPES.NVarChar),
  varchar: param<string>(TYPES.VarChar),
  /** The same parameter, also accepting NULL. */
  nullable: <Value>(p: Param<Value>): Param<Value | null> => param<Value | null>(p.type),
};

export type ParamMap = Readonly<Record<string, Param<unknown>>>;

/** The values `query()` takes for a statement's parameters: one per `@name`, of its type. */
export type ParamValues<P extends ParamMap> = { readonly [K in keyof P]: P[K] extends Param<infer V> ? V : never };

/** Carries a statement's row type for the compiler; see `rowsOf`. */
export interface RowType<Row> {
  readonly row?: Row;
}

/** Declares the shape of a statement's result rows: `statement({ …, rows: rowsOf<OrderRow>() })`. */
export const rowsOf = <Row>(): RowType<Row> => ({});

/**
 * One parameterised SQL text, named for logs, metrics and the stand-in's statement table. It declares
 * its parameters and its row type once; `query()` infers both at every call site.
 */
export interface Statement<P extends ParamMap = ParamMap, Row = unknown> {
  readonly name: string;
  readonly sql: string;
  /** Every `@name` the text uses, with its SQL type: values are always bound, never concatenated. */
  readonly params: P;
  readonly rows?: RowType<Row>;
}

/** A statement that returns no rows leaves `rows` out; its row type is then `never`. */
export function statement<P extends ParamMap, Row = never>(definition: {
  name: string;
  sql: string;
  params: P;
  rows?: RowType<Row>;
}): Statement<P, Row> {
  const { name, sql, params: types } = definition;
  return { name, sql, params: types };
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
export function execute<P extends ParamMap, Row>(
  db: DbConnection,
  { sql, params: types }: Statement<P, Row>,
  values: ParamValues<P>,
  signal?: AbortSignal,
): Promise<QueryResult<Row>> {
  const bound: Readonly<Record<string, unknown>> = values;
  return new Promise((resolve, reject) => {
    const rows: Row[] = [];
    const onAbort = () => db.connection.cancel();
    const request = new Request(sql, (error, rowCount) => {
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve({ rows, rowCount: rowCount ?? 0 });
    });
    for (const [name, { type }] of Object.entries(types)) {
      request.addParameter(name, type, bound[name] ?? null);
    }
    request.on('row', (columns: Array<{ value: unknown; metadata: { colName: string } }>) => {
      // The driver's one untyped edge: the row is what the statement declared (the stand-in's and
      // SQL Server's integration tests read every statement's rows back).
      rows.push(Object.fromEntries(columns.map((c) => [c.metadata.colName, c.value])) as Row);
    });
    db.connection.execSql(request);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
