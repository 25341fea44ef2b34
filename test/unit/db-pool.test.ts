import { afterEach, describe, expect, it } from '@jest/globals';
import { createPool, PoolClosedError, PoolTimeoutError, type Pool, type PoolOptions } from '../../src/db/pool.js';

/** A fake connection: only what the pool looks at. */
interface FakeConnection {
  readonly id: number;
  broken: boolean;
  destroyed: boolean;
}

function fakePool(overrides: Partial<PoolOptions<FakeConnection>> = {}) {
  let nextId = 1;
  const created: FakeConnection[] = [];
  const pool = createPool<FakeConnection>({
    create: async () => {
      const connection = { id: nextId++, broken: false, destroyed: false };
      created.push(connection);
      return connection;
    },
    destroy: async (c) => {
      c.destroyed = true;
    },
    isBroken: (c) => c.broken,
    validate: async () => true,
    min: 0,
    max: 2,
    acquireTimeoutMs: 1000,
    idleTimeoutMs: 60_000,
    maxLifetimeMs: 3_600_000,
    validateAfterIdleMs: 60_000,
    ...overrides,
  });
  return { pool, created };
}

describe('connection pool', () => {
  let pool: Pool<FakeConnection> | undefined;
  afterEach(async () => {
    await pool?.close();
  });

  it('hands out at most DB_POOL_MAX connections; the next acquire gets the first one released', async () => {
    const fake = fakePool();
    pool = fake.pool;
    const a = await pool.acquire();
    const b = await pool.acquire();
    const third = pool.acquire();
    expect(pool.stats()).toMatchObject({ inUse: 2, waiting: 1 });
    a.release();
    const c = await third;
    expect(c.resource).toBe(a.resource);
    expect(fake.created).toHaveLength(2);
    b.release();
    c.release();
  });

  it('an acquire that waits longer than DB_ACQUIRE_TIMEOUT_MS rejects, and the pool stays usable', async () => {
    pool = fakePool({ max: 1, acquireTimeoutMs: 30 }).pool;
    const held = await pool.acquire();
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolTimeoutError);
    held.release();
    (await pool.acquire()).release();
  });

  it('an aborted acquire stops waiting with the abort reason', async () => {
    pool = fakePool({ max: 1 }).pool;
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal);
    controller.abort(new Error('client went away'));
    await expect(waiting).rejects.toThrow('client went away');
    expect(pool.stats().waiting).toBe(0);
    held.release();
  });

  it('never hands out a connection that broke while idle; it is destroyed and replaced', async () => {
    const fake = fakePool();
    pool = fake.pool;
    const first = await pool.acquire();
    first.release();
    first.resource.broken = true;
    const second = await pool.acquire();
    expect(second.resource.id).not.toBe(first.resource.id);
    expect(first.resource.destroyed).toBe(true);
    second.release();
  });

  it('a connection that broke while in use leaves the pool when released', async () => {
    pool = fakePool().pool;
    const lease = await pool.acquire();
    lease.resource.broken = true;
    lease.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lease.resource.destroyed).toBe(true);
    expect(pool.stats()).toMatchObject({ idle: 0, inUse: 0 });
  });

  it('validates a connection idle longer than DB_VALIDATE_AFTER_IDLE_MS and replaces it when the check fails', async () => {
    let clock = 0;
    const validated: number[] = [];
    const fake = fakePool({
      now: () => clock,
      validateAfterIdleMs: 100,
      validate: async (c) => {
        validated.push(c.id);
        return false;
      },
    });
    pool = fake.pool;
    (await pool.acquire()).release();
    clock = 50;
    const fresh = await pool.acquire();
    expect(validated).toEqual([]);
    fresh.release();
    clock = 500;
    const replaced = await pool.acquire();
    expect(validated).toEqual([1]);
    expect(replaced.resource.id).toBe(2);
    replaced.release();
  });

  it('replaces a connection older than DB_MAX_LIFETIME_MS instead of reusing it', async () => {
    let clock = 0;
    const fake = fakePool({ now: () => clock, maxLifetimeMs: 1000 });
    pool = fake.pool;
    (await pool.acquire()).release();
    clock = 1001;
    const lease = await pool.acquire();
    expect(lease.resource.id).toBe(2);
    expect(fake.created[0]!.destroyed).toBe(true);
    lease.release();
  });

  it('fill opens DB_POOL_MIN connections, and a failing create rejects the acquire that waited for it', async () => {
    let failing = false;
    const fake = fakePool({
      min: 2,
      create: async () => {
        if (failing) throw new Error('Login failed');
        return { id: 99, broken: false, destroyed: false };
      },
    });
    pool = fake.pool;
    await pool.fill();
    expect(pool.stats().idle).toBe(2);
    const a = await pool.acquire();
    a.resource.broken = true;
    a.release();
    const b = await pool.acquire();
    b.resource.broken = true;
    b.release();
    failing = true;
    await expect(pool.acquire()).rejects.toThrow('Login failed');
  });

  it('close rejects waiting and new acquires', async () => {
    pool = fakePool({ max: 1 }).pool;
    const busy = await pool.acquire();
    const waiting = pool.acquire();
    const closing = pool.close();
    await expect(waiting).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    busy.release();
    await closing;
  });

  it('close destroys idle connections at once and busy ones when they are released', async () => {
    pool = fakePool().pool;
    const busy = await pool.acquire();
    const idle = await pool.acquire();
    idle.release();
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle.resource.destroyed).toBe(true);
    expect(closed).toBe(false);
    busy.release();
    await closing;
    expect(busy.resource.destroyed).toBe(true);
  });
});
