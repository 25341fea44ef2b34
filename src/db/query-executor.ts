import type { FastifyBaseLogger } from 'fastify';
import { sleep } from '../timing/sleep.js';
import type { DbConnection } from './connect.js';
import { dbErrors, driverErrorFields, SqlError } from './errors.js';
import { PoolClosedError, PoolTimeoutError, type Pool, type PoolStats } from './pool.js';
import { execute, type ParamMap, type ParamValues, type QueryResult, type Statement } from './statement.js';

/** Who a query works for: its cancellation, and when that work began (see `stopIntake`). */
export interface QueryContext {
  /** Aborts when the client goes away or the request times out; the query is then cancelled. */
  readonly signal?: AbortSignal;
  /** `performance.now()` when the request (or job) began; work that began before `closing` may finish. */
  readonly startedAt?: number;
}

export interface DrainReport {
  /** Queries that finished on their own within DB_DRAIN_TIMEOUT_MS. */
  readonly finished: number;
  /** Queries cancelled at DB_DRAIN_TIMEOUT_MS. */
  readonly cancelled: number;
  /** Cancelled queries SQL Server had not acknowledged within DB_CANCEL_TIMEOUT_MS. */
  readonly unacknowledged: number;
}

/** The one way SQL reaches the server (see createQueryExecutor). */
export interface QueryExecutor {
  /** Runs `statement` with `values` bound to its parameters; both types come from the statement. */
  query<P extends ParamMap, Row>(
    statement: Statement<P, Row>,
    values: ParamValues<P>,
    context?: QueryContext,
  ): Promise<QueryResult<Row>>;
  /** Queries admitted and not yet settled (waiting for a connection or running). */
  activeQueries(): number;
  /** Refuses queries from work that begins from now on; work already under way may still query. */
  stopIntake(): void;
  /** Stops intake, waits for active queries, cancels what is left at the deadline. */
  drain(limits: { drainTimeoutMs: number; cancelTimeoutMs: number }): Promise<DrainReport>;
  /** Closes every connection; call after `drain`, so this is the last thing the data layer does. */
  close(): Promise<void>;
  /** The pool's connections by state, for metrics. */
  poolStats(): PoolStats;
}

export type QueryOutcome = 'ok' | 'error' | 'cancelled' | 'timeout';

interface ActiveQuery {
  readonly statement: string;
  readonly cancel: AbortController;
  readonly settled: Promise<void>;
}

export interface QueryExecutorOptions {
  readonly pool: Pool<DbConnection>;
  readonly requestTimeoutMs: number;
  readonly acquireTimeoutMs: number;
  readonly logger: FastifyBaseLogger;
  readonly now?: () => number;
  /** Runs a statement on a connection; tests replace tedious with a fake here. */
  readonly execute?: typeof execute;
  /** Told about every query once it has settled (metrics). */
  readonly onQuery?: (statement: string, outcome: QueryOutcome, durationMs: number) => void;
}

/** The one way SQL reaches the server: tracks every query so a shutdown can wait for, then cancel, them. */
export function createQueryExecutor(options: QueryExecutorOptions): QueryExecutor {
  const { pool, logger, now = () => performance.now(), execute: executeOn = execute } = options;
  const active = new Set<ActiveQuery>();
  let intakeStoppedAt: number | undefined;
  let cancelling = false;

  const stopIntake = () => {
    intakeStoppedAt ??= now();
  };

  function admit(context: QueryContext): void {
    if (cancelling) throw new dbErrors.DbClosing();
    if (intakeStoppedAt === undefined) return;
    if (context.startedAt === undefined || context.startedAt >= intakeStoppedAt) throw new dbErrors.DbClosing();
  }

  async function run<P extends ParamMap, Row>(
    statement: Statement<P, Row>,
    values: ParamValues<P>,
    context: QueryContext,
    cancel: AbortController,
  ): Promise<QueryResult<Row>> {
    const signal = context.signal ? AbortSignal.any([context.signal, cancel.signal]) : cancel.signal;
    let lease;
    try {
      lease = await pool.acquire(signal);
    } catch (error) {
      throw translate(error, statement, cancel.signal, context.signal);
    }
    let suspect = false;
    try {
      return await executeOn(lease.resource, statement, values, signal);
    } catch (error) {
      // A SQL error or an acknowledged cancel leaves the connection fine; anything else may not have.
      const { code, number } = driverErrorFields(error);
      suspect = number === undefined && code !== 'ECANCEL';
      throw translate(error, statement, cancel.signal, context.signal);
    } finally {
      if (suspect || lease.resource.broken) lease.discard();
      else lease.release();
    }
  }

  function translate(
    error: unknown,
    statement: Statement<ParamMap, unknown>,
    drainCancel: AbortSignal,
    client?: AbortSignal,
  ) {
    const { code, number, message } = driverErrorFields(error);
    if (drainCancel.aborted) return new dbErrors.DbQueryCancelled();
    if (client?.aborted) return client.reason;
    if (error instanceof PoolTimeoutError) return new dbErrors.DbBusy(options.acquireTimeoutMs);
    if (error instanceof PoolClosedError) return new dbErrors.DbClosing();
    if (code === 'ETIMEOUT' && number === undefined) return new dbErrors.DbTimeout(options.requestTimeoutMs);
    if (number !== undefined) return new SqlError(number, message, statement.name);
    logger.warn({ event: 'db-error', statement: statement.name, err: error }, 'database unavailable');
    return new dbErrors.DbUnavailable();
  }

  return {
    query(statement, values, context = {}) {
      try {
        admit(context);
      } catch (error) {
        return Promise.reject(error);
      }
      const cancel = new AbortController();
      const started = now();
      const promise = run(statement, values, context, cancel);
      const settled = (outcome: QueryOutcome) => options.onQuery?.(statement.name, outcome, now() - started);
      const entry: ActiveQuery = {
        statement: statement.name,
        cancel,
        settled: promise.then(
          () => settled('ok'),
          (error: unknown) => settled(outcomeOf(error, cancel.signal, context.signal)),
        ),
      };
      active.add(entry);
      void entry.settled.then(() => active.delete(entry));
      return promise;
    },
    activeQueries: () => active.size,
    stopIntake,
    async drain({ drainTimeoutMs, cancelTimeoutMs }) {
      stopIntake();
      const before = active.size;
      await settleWithin([...active], drainTimeoutMs);
      cancelling = true;
      const left = [...active];
      for (const query of left) query.cancel.abort(new dbErrors.DbQueryCancelled());
      if (left.length > 0) {
        logger.warn(
          { event: 'db-cancel', count: left.length, statements: left.map((q) => q.statement), drainTimeoutMs },
          `cancelling ${left.length} query(s) still running at DB_DRAIN_TIMEOUT_MS`,
        );
      }
      await settleWithin(left, cancelTimeoutMs);
      return { finished: before - left.length, cancelled: left.length, unacknowledged: active.size };
    },
    async close() {
      cancelling = true;
      await pool.close();
    },
    poolStats: () => pool.stats(),
  };
}

function outcomeOf(error: unknown, drainCancel: AbortSignal, client?: AbortSignal): QueryOutcome {
  if (drainCancel.aborted || client?.aborted) return 'cancelled';
  return driverErrorFields(error).code === 'DB_TIMEOUT' ? 'timeout' : 'error';
}

async function settleWithin(queries: ActiveQuery[], timeoutMs: number): Promise<void> {
  if (queries.length === 0) return;
  const timer = new AbortController();
  await Promise.race([Promise.all(queries.map((q) => q.settled)), sleep(timeoutMs, timer.signal)]);
  timer.abort();
}
