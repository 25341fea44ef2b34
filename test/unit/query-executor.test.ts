import { afterEach, describe, expect, it } from '@jest/globals';
import type { DbConnection } from '../../src/db/connect.js';
import { SqlError } from '../../src/db/errors.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createQueryExecutor, type QueryExecutor } from '../../src/db/query-executor.js';
import { params, rowsOf, statement, type execute } from '../../src/db/statement.js';
import { memoryLogger } from '../support/memory-logger.js';

const slow = statement({
  name: 'test.slow',
  sql: 'WAITFOR',
  params: { ms: params.int },
  rows: rowsOf<{ ms: number }>(),
});

/**
 * A fake of tedious's statement execution: it "runs" for `values.ms`, and an abort of its signal
 * ends it the way an acknowledged ATTENTION does (ECANCEL). `fail` makes it reject like tedious.
 */
const fakeExecute = ((_db: DbConnection, _s: unknown, values: Record<string, unknown>, signal?: AbortSignal) =>
  new Promise((resolve, reject) => {
    if (values.fail) return reject(values.fail);
    const timer = setTimeout(
      () => resolve({ rows: [{ ms: values.ms }] as never[], rowCount: 1 }),
      Number(values.ms ?? 0),
    );
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(Object.assign(new Error('Canceled.'), { code: 'ECANCEL' }));
    });
  })) as typeof execute;

function fakeDatabase(max = 2, acquireTimeoutMs = 1000) {
  const connections: DbConnection[] = [];
  const pool: Pool<DbConnection> = createPool<DbConnection>({
    create: async () => {
      const c = { connection: {} as never, createdAt: 0, broken: undefined, ended: false } as DbConnection;
      connections.push(c);
      return c;
    },
    destroy: async (c) => {
      c.ended = true;
    },
    isBroken: (c) => c.broken !== undefined,
    validate: async () => true,
    min: 0,
    max,
    acquireTimeoutMs,
    idleTimeoutMs: 60_000,
    maxLifetimeMs: 3_600_000,
    validateAfterIdleMs: 60_000,
  });
  const db = createQueryExecutor({
    pool,
    requestTimeoutMs: 15_000,
    acquireTimeoutMs,
    logger: memoryLogger().logger,
    execute: fakeExecute,
  });
  return { db, pool, connections };
}

describe('query executor', () => {
  let db: QueryExecutor | undefined;
  afterEach(async () => {
    await db?.close();
  });

  it('tracks a query while it runs and returns its rows', async () => {
    ({ db } = fakeDatabase());
    const running = db.query(slow, { ms: 20 });
    expect(db.activeQueries()).toBe(1);
    await expect(running).resolves.toEqual({ rows: [{ ms: 20 }], rowCount: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(db.activeQueries()).toBe(0);
  });

  it('after intake stops, work that began before may still query; new work gets 503 DB_CLOSING', async () => {
    ({ db } = fakeDatabase());
    const before = performance.now();
    db.stopIntake();
    await expect(db.query(slow, { ms: 1 }, { startedAt: before })).resolves.toMatchObject({ rowCount: 1 });
    await expect(db.query(slow, { ms: 1 }, { startedAt: performance.now() })).rejects.toMatchObject({
      code: 'DB_CLOSING',
      statusCode: 503,
    });
    await expect(db.query(slow, { ms: 1 })).rejects.toMatchObject({ code: 'DB_CLOSING' });
  });

  it('drain waits for running queries to finish within DB_DRAIN_TIMEOUT_MS', async () => {
    ({ db } = fakeDatabase());
    const running = db.query(slow, { ms: 50 });
    const report = await db.drain({ drainTimeoutMs: 1000, cancelTimeoutMs: 100 });
    expect(report).toEqual({ finished: 1, cancelled: 0, unacknowledged: 0 });
    await expect(running).resolves.toMatchObject({ rowCount: 1 });
  });

  it('at DB_DRAIN_TIMEOUT_MS the queries still running are cancelled and reject with 503 DB_QUERY_CANCELLED', async () => {
    ({ db } = fakeDatabase());
    const quick = db.query(slow, { ms: 10 });
    const long = db.query(slow, { ms: 10_000 });
    const started = performance.now();
    const report = await db.drain({ drainTimeoutMs: 100, cancelTimeoutMs: 1000 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(report).toEqual({ finished: 1, cancelled: 1, unacknowledged: 0 });
    await expect(quick).resolves.toMatchObject({ rowCount: 1 });
    await expect(long).rejects.toMatchObject({ code: 'DB_QUERY_CANCELLED', statusCode: 503 });
  });

  it('a query waiting for a connection at the drain deadline is cancelled too', async () => {
    ({ db } = fakeDatabase(1));
    const holding = db.query(slow, { ms: 10_000 });
    const queued = db.query(slow, { ms: 1 });
    const report = await db.drain({ drainTimeoutMs: 50, cancelTimeoutMs: 1000 });
    expect(report.cancelled).toBe(2);
    await expect(holding).rejects.toMatchObject({ code: 'DB_QUERY_CANCELLED' });
    await expect(queued).rejects.toMatchObject({ code: 'DB_QUERY_CANCELLED' });
  });

  it('a client that goes away cancels its query, which rejects with the abort reason', async () => {
    ({ db } = fakeDatabase());
    const client = new AbortController();
    const running = db.query(slow, { ms: 10_000 }, { signal: client.signal });
    client.abort(new Error('client disconnected'));
    await expect(running).rejects.toThrow('client disconnected');
  });

  it('no free connection within DB_ACQUIRE_TIMEOUT_MS gives 503 DB_BUSY', async () => {
    ({ db } = fakeDatabase(1, 30));
    const holding = db.query(slow, { ms: 200 });
    await expect(db.query(slow, { ms: 1 })).rejects.toMatchObject({ code: 'DB_BUSY', statusCode: 503 });
    await holding;
  });

  it('SQL Server errors keep their number; a dropped connection gives 503 DB_UNAVAILABLE and leaves the pool', async () => {
    const fake = fakeDatabase();
    db = fake.db;
    const refused = Object.assign(new Error('Cannot insert duplicate key'), { number: 2627 });
    await expect(db.query(slow, { fail: refused } as never)).rejects.toBeInstanceOf(SqlError);
    await expect(db.query(slow, { fail: refused } as never)).rejects.toMatchObject({ number: 2627 });

    const dropped = Object.assign(new Error('Connection lost - read ECONNRESET'), { code: 'ESOCKET' });
    await expect(db.query(slow, { fail: dropped } as never)).rejects.toMatchObject({
      code: 'DB_UNAVAILABLE',
      statusCode: 503,
    });
    expect(fake.pool.stats().idle).toBe(0);
  });

  it('close closes the pool: every connection ends, later queries get DB_CLOSING', async () => {
    const fake = fakeDatabase();
    db = fake.db;
    await db.query(slow, { ms: 1 });
    await db.close();
    expect(fake.connections.every((c) => c.ended)).toBe(true);
    await expect(db.query(slow, { ms: 1 })).rejects.toMatchObject({ code: 'DB_CLOSING' });
  });
});
