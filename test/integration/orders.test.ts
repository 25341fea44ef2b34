import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { startTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let service: TestApp;

beforeAll(async () => {
  db = await startTestDatabase();
  service = await startTestApp(db);
  await service.startup;
});

afterAll(async () => {
  await service?.stop();
  await db?.close();
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${service.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const get = (path: string) => fetch(`${service.url}${path}`);
const json = async (response: Response) => (await response.json()) as Record<string, unknown>;

/** Every order, walking the pages the way a client does. */
async function allOrders(limit = 100): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let after = '0';
  for (;;) {
    const page = await json(await get(`/orders?limit=${limit}&after=${after}`));
    items.push(...(page.items as Array<Record<string, unknown>>));
    if (page.nextAfter === null) return items;
    after = page.nextAfter as string;
  }
}

describe(`orders (database: ${process.env.TEST_DB_KIND ?? 'standin'})`, () => {
  it('POST creates an order (201 with Location) that GET returns unchanged', async () => {
    const created = await post({ customerId: 'c-1', sku: 'SKU-ÄÖ-1', quantity: 2 });
    expect(created.status).toBe(201);
    const order = await json(created);
    expect(order).toMatchObject({ customerId: 'c-1', sku: 'SKU-ÄÖ-1', quantity: 2 });
    expect(order.id).toMatch(/^[1-9]\d*$/);
    expect(new Date(order.createdAt as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(created.headers.get('location')).toBe(`/orders/${order.id}`);

    const read = await get(`/orders/${order.id}`);
    expect(read.status).toBe(200);
    expect(await json(read)).toEqual(order);
  });

  it('pages through orders in id order with limit and after, with no gaps and no repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await json(await post({ customerId: 'c-page', sku: `S${i}`, quantity: i + 1 }))).id as string);
    }
    const walked = (await allOrders(3)).map((o) => o.id as string);
    expect(walked).toEqual([...walked].sort((a, b) => Number(a) - Number(b)));
    expect(new Set(walked).size).toBe(walked.length);
    expect(walked).toEqual(expect.arrayContaining(ids));

    const first = await json(await get('/orders?limit=2'));
    expect(first.items).toHaveLength(2);
    expect(first.nextAfter).toBe((first.items as Array<{ id: string }>)[1]!.id);
    const last = await json(await get(`/orders?limit=100&after=${ids[5]}`));
    expect(last).toMatchObject({ items: [{ id: ids[6] }], nextAfter: null });
  });

  it('GET of an order that does not exist is 404 ORDER_NOT_FOUND', async () => {
    const response = await get('/orders/999999999');
    expect(response.status).toBe(404);
    expect(await json(response)).toMatchObject({ code: 'ORDER_NOT_FOUND', message: 'order 999999999 not found' });
  });

  it.each([
    ['a missing field', { customerId: 'c', sku: 's' }, "body must have required property 'quantity'"],
    ['a quantity of 0', { customerId: 'c', sku: 's', quantity: 0 }, 'body/quantity must be >= 1'],
    ['a fractional quantity', { customerId: 'c', sku: 's', quantity: 1.5 }, 'body/quantity must be integer'],
    ['an unknown field', { customerId: 'c', sku: 's', quantity: 1, price: 3 }, 'must NOT have additional properties'],
    ['an over-long sku', { customerId: 'c', sku: 'x'.repeat(65), quantity: 1 }, 'body/sku must NOT have more than 64'],
  ])('POST with %s is 400 VALIDATION_FAILED naming the field, and writes nothing', async (_what, body, message) => {
    const before = (await allOrders()).length;
    const response = await post(body);
    expect(response.status).toBe(400);
    const error = await json(response);
    expect(error).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(error.message).toContain(message);
    expect((await allOrders()).length).toBe(before);
  });

  it('POST with malformed JSON is 400 INVALID_JSON', async () => {
    const response = await post('{"customerId": "c",');
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ code: 'INVALID_JSON' });
  });

  it.each([
    ['/orders/abc', 'params/id must match pattern'],
    ['/orders/9999999999999999', 'params/id must match pattern'],
    ['/orders?limit=0', 'querystring/limit must be >= 1'],
    ['/orders?limit=101', 'querystring/limit must be <= 100'],
    ['/orders?after=-1', 'querystring/after must match pattern'],
  ])('GET %s is 400 with a message naming the parameter', async (path, message) => {
    const response = await get(path);
    expect(response.status).toBe(400);
    expect((await json(response)).message).toContain(message);
  });

  it('a retry with the same Idempotency-Key returns the first order, and only one is stored', async () => {
    const key = `retry-${Date.now()}`;
    const body = { customerId: 'c-idem', sku: 'SKU-9', quantity: 3 };
    const first = await post(body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const order = await json(first);

    const retry = await post(body, { 'idempotency-key': key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(retry)).toEqual(order);
    expect((await allOrders()).filter((o) => o.customerId === 'c-idem')).toHaveLength(1);
  });

  it('concurrent retries with one Idempotency-Key all get the same order', async () => {
    const key = `burst-${Date.now()}`;
    const body = { customerId: 'c-burst', sku: 'SKU-1', quantity: 1 };
    const responses = await Promise.all(Array.from({ length: 8 }, () => post(body, { 'idempotency-key': key })));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    const ids = new Set(await Promise.all(responses.map(async (r) => (await json(r)).id)));
    expect(ids.size).toBe(1);
    expect((await allOrders()).filter((o) => o.customerId === 'c-burst')).toHaveLength(1);
  });

  it('the same Idempotency-Key with a different body is 409 IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
    const key = `conflict-${Date.now()}`;
    const first = await json(await post({ customerId: 'c-409', sku: 'A', quantity: 1 }, { 'idempotency-key': key }));
    const conflict = await post({ customerId: 'c-409', sku: 'A', quantity: 5 }, { 'idempotency-key': key });
    expect(conflict.status).toBe(409);
    expect(await json(conflict)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await json(await get(`/orders/${first.id}`))).toMatchObject({ quantity: 1 });
  });

  it('an Idempotency-Key is scoped to its customer', async () => {
    const key = `shared-${Date.now()}`;
    const a = await json(await post({ customerId: 'c-a', sku: 'A', quantity: 1 }, { 'idempotency-key': key }));
    const b = await json(await post({ customerId: 'c-b', sku: 'A', quantity: 1 }, { 'idempotency-key': key }));
    expect(a.id).not.toBe(b.id);
  });

  it('an Idempotency-Key longer than 128 characters is 400', async () => {
    const response = await post({ customerId: 'c', sku: 's', quantity: 1 }, { 'idempotency-key': 'k'.repeat(129) });
    expect(response.status).toBe(400);
    expect((await json(response)).message).toContain('headers/idempotency-key must NOT have more than 128');
  });
});
