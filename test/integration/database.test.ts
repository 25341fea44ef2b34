import { afterEach, describe, expect, it } from '@jest/globals';
import { loadMigrations } from '../../src/db/migrate.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { startStandinDatabase, startTestDatabase, type TestDatabase } from '../support/test-database.js';

const opened: Array<{ stop?: () => Promise<unknown>; close?: () => Promise<unknown> }> = [];
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await (thing.stop ?? thing.close)!();
});

async function database(kind?: 'standin'): Promise<TestDatabase> {
  const db = kind ? await startStandinDatabase() : await startTestDatabase();
  opened.push(db);
  return db;
}

async function service(db: TestDatabase, env: Record<string, string> = {}): Promise<TestApp> {
  const app = await startTestApp(db, env);
  opened.push(app);
  return app;
}

const get = (app: TestApp, path: string, init?: RequestInit) => fetch(`${app.url}${path}`, init);

describe(`the data layer (database: ${process.env.TEST_DB_KIND ?? 'standin'})`, () => {
  it('startup waits for a database that accepts logins only after a few seconds; /readyz is 503 until then', async () => {
    const db = await database();
    await db.refuseLogins(true);
    const app = await service(db, { DB_CONNECT_RETRY_MAX_MS: '300' });
    await new Promise((resolve) => setTimeout(resolve, 2000));

    expect(app.service.lifecycle.phase).toBe('starting');
    expect((await get(app, '/readyz')).status).toBe(503);
    const early = await get(app, '/orders');
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    const retries = app.lines.filter((l) => l.event === 'db-connect-retry');
    expect(retries.length).toBeGreaterThanOrEqual(3);
    expect(String(retries[0]!.error)).toContain('Login failed');

    await db.refuseLogins(false);
    await app.startup;
    expect((await get(app, '/readyz')).status).toBe(200);
    expect((await get(app, '/orders')).status).toBe(200);
  });

  it('a database that never comes up fails startup at STARTUP_TIMEOUT_MS, naming the last error', async () => {
    const db = await database();
    await db.refuseLogins(true);
    const app = await service(db, { STARTUP_TIMEOUT_MS: '1500' });
    await expect(app.startup).rejects.toThrow(
      /dependencies not ready within STARTUP_TIMEOUT_MS 1500 ms: database \(\d+ attempt\(s\), last error: Login failed/,
    );
  });

  it('replicas that start together apply each migration exactly once', async () => {
    const db = await database();
    const replicas = await Promise.all([service(db), service(db), service(db)]);
    await Promise.all(replicas.map((r) => r.startup));
    const versions = (await loadMigrations()).map((m) => m.version);
    expect(versions).toContain(1);
    const applied = replicas.flatMap((r) => r.lines.filter((l) => l.event === 'migration-applied'));
    expect(applied.map((l) => l.version)).toEqual(versions);
    const reports = replicas.map((r) => r.lines.find((l) => l.event === 'migrations'));
    expect(reports.map((l) => (l!.applied as number[]).length).sort()).toEqual([0, 0, versions.length]);
    const created = await get(replicas[2]!, '/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'c', sku: 's', quantity: 1 }),
    });
    expect(created.status).toBe(201);
  });

  it('requests beyond the pool size wait for a connection and all succeed, on DB_POOL_MAX connections', async () => {
    const db = await database();
    const app = await service(db, { DB_POOL_MIN: '1', DB_POOL_MAX: '3' });
    await app.startup;
    const started = performance.now();
    let most = 0;
    const watching = setInterval(async () => (most = Math.max(most, await db.openConnections())), 20);
    const responses = await Promise.all(Array.from({ length: 12 }, () => get(app, '/debug/db-delay/200')));
    clearInterval(watching);
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    // 12 statements of 200 ms on 3 connections take at least 4 rounds.
    expect(performance.now() - started).toBeGreaterThanOrEqual(790);
    expect(most).toBeLessThanOrEqual(3);
  });

  it('a request that cannot get a connection within DB_ACQUIRE_TIMEOUT_MS gets 503 DB_BUSY with Retry-After', async () => {
    const db = await database();
    const app = await service(db, { DB_POOL_MIN: '1', DB_POOL_MAX: '1', DB_ACQUIRE_TIMEOUT_MS: '100' });
    await app.startup;
    const holding = get(app, '/debug/db-delay/1000');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const busy = await get(app, '/orders');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(await busy.json()).toMatchObject({ code: 'DB_BUSY' });
    expect((await holding).status).toBe(200);
  });

  it('after the database drops every connection, the pool replaces them and requests succeed again', async () => {
    const db = await database();
    const app = await service(db, { DB_POOL_MIN: '2', DB_POOL_MAX: '4' });
    await app.startup;
    expect((await get(app, '/orders')).status).toBe(200);
    await db.dropAllConnections();

    // A request racing the drop may meet a dead socket: it gets a clean 503, never a hang or a 500.
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await get(app, '/orders?limit=1')).status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.slice(2)).toEqual(Array(18).fill(200));
    expect(await db.openConnections()).toBeGreaterThanOrEqual(1);
  });

  it('a statement longer than DB_REQUEST_TIMEOUT_MS is cancelled and its request gets 503 DB_TIMEOUT', async () => {
    const db = await database();
    const app = await service(db, { DB_REQUEST_TIMEOUT_MS: '300' });
    await app.startup;
    const response = await get(app, '/debug/db-delay/5000');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'DB_TIMEOUT' });
    expect(await db.runningStatements()).toBe(0);
    expect((await get(app, '/debug/db-delay/10')).status).toBe(200);
  });

  it('a request past HANDLER_TIMEOUT_MS gets 503 HANDLER_TIMEOUT and its statement is cancelled on the server', async () => {
    const db = await database();
    const app = await service(db, { HANDLER_TIMEOUT_MS: '300', DB_POOL_MIN: '1', DB_POOL_MAX: '1' });
    await app.startup;
    const response = await get(app, '/debug/db-delay/10000');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'HANDLER_TIMEOUT' });
    const started = performance.now();
    expect((await get(app, '/debug/db-delay/10')).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(await db.runningStatements()).toBe(0);
  });

  it('a client that goes away cancels its statement on the server', async () => {
    const db = await database();
    const app = await service(db, { DB_POOL_MIN: '1', DB_POOL_MAX: '1' });
    await app.startup;
    const client = new AbortController();
    const request = get(app, '/debug/db-delay/10000', { signal: client.signal }).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await db.runningStatements()).toBe(1);
    client.abort();
    expect(await request).toBe('aborted');
    const started = performance.now();
    // The single connection is free again well before the 10 s statement would have ended.
    expect((await get(app, '/debug/db-delay/10')).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(await db.runningStatements()).toBe(0);
    if (db.standin) expect(db.standin.events.some((e) => e.type === 'attention' && e.inFlight)).toBe(true);
    // A client leaving is not a defect of the service: nothing at error level.
    expect(app.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it('DB_ENCRYPT=true against a server that offers no TLS (the TDS stand-in) fails startup at once: no silent downgrade', async () => {
    const db = await database('standin');
    const app = await service(db, { DB_ENCRYPT: 'true', STARTUP_TIMEOUT_MS: '20000' });
    const started = performance.now();
    await expect(app.startup).rejects.toMatchObject({ code: 'EENCRYPT' });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(db.standin!.events.some((e) => e.type === 'login')).toBe(false);
  });

  it('with no database configured the service is ready and /orders answers 503 DB_NOT_CONFIGURED', async () => {
    const none: TestDatabase = { env: {} } as TestDatabase;
    const app = await service(none);
    await app.startup;
    expect((await get(app, '/readyz')).status).toBe(200);
    const response = await get(app, '/orders/1');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'DB_NOT_CONFIGURED' });
    expect(app.lines.some((l) => l.event === 'db-off')).toBe(true);
  });
});
