/**
 * The contract between the TDS stand-in's protocol layer (server.ts and friends: packets, PRELOGIN,
 * LOGIN7, SQL batch, RPC, ATTENTION) and the engine that answers statements. The protocol layer knows
 * no SQL: the engine gives each statement its meaning (typically exactly the statements its user
 * issues, on in-memory tables) and answers anything else with a SqlServerError, never an empty success.
 */

/** The SQL types the stand-in can receive as RPC parameters and send as result columns. */
export type SqlType = 'int' | 'bigint' | 'bit' | 'nvarchar' | 'varchar' | 'datetime2';

export type SqlValue = null | number | bigint | string | boolean | Date;

export interface BoundParameter {
  /** Without the leading `@`. */
  readonly name: string;
  readonly type: SqlType;
  readonly value: SqlValue;
}

export interface ColumnDef {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  /** nvarchar/varchar: maximum length in characters; undefined means (max). */
  readonly length?: number;
  /** datetime2: fractional-second digits (0–7); 3 when undefined. */
  readonly scale?: number;
}

/** What one statement of a batch produced: a result set, a row count (DONE_COUNT), or both. */
export interface StatementResult {
  readonly columns?: readonly ColumnDef[];
  readonly rows?: ReadonlyArray<readonly SqlValue[]>;
  readonly rowCount?: number;
}

/** Thrown by the engine; sent to the client as an ERROR token followed by DONE with DONE_ERROR. */
export class SqlServerError extends Error {
  constructor(
    /** SQL Server's message number, e.g. 2627 (unique key), 2812 (unknown procedure), 102 (syntax). */
    readonly number: number,
    message: string,
    readonly severity = 16,
    readonly state = 1,
    readonly lineNumber = 1,
  ) {
    super(message);
    this.name = 'SqlServerError';
  }
}

/** One client connection, from LOGIN7 on. */
export interface Session {
  /** The server process id sent to the client (like @@SPID), unique per stand-in. */
  readonly id: number;
  readonly user: string;
  readonly database: string;
  /** Aborts when the connection closes, for whatever reason. */
  readonly closed: AbortSignal;
}

export interface StatementRequest {
  /** `batch` for a SQL batch packet; `rpc` for sp_executesql (text = @stmt, params = the bound ones). */
  readonly kind: 'batch' | 'rpc';
  readonly text: string;
  readonly params: readonly BoundParameter[];
  readonly session: Session;
  /** Aborts on ATTENTION from the client or when the connection closes. */
  readonly signal: AbortSignal;
}

export interface Engine {
  /** Answers one batch or RPC; rejects with SqlServerError for anything it does not know. */
  execute(request: StatementRequest): Promise<readonly StatementResult[]>;
  /** Called once when a session's connection closes (release its locks, roll back, ...). */
  sessionClosed?(session: Session): void;
}
