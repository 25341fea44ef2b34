import { params, rowsOf, statement } from '../db/statement.js';

/** A row of dbo.orders as the statements select it (src/db/migrations/0001-create-orders.sql). */
export interface OrderRow {
  id: string | number;
  customer_id: string;
  sku: string;
  quantity: number;
  created_at: Date;
}

const columns = 'id, customer_id, sku, quantity, created_at';

/** Every statement of the orders repository (the stand-in in test/support answers exactly these). */
export const orderStatements = {
  insert: statement({
    name: 'orders.insert',
    sql: `INSERT INTO dbo.orders (customer_id, sku, quantity, idempotency_key, request_hash)
OUTPUT INSERTED.id, INSERTED.customer_id, INSERTED.sku, INSERTED.quantity, INSERTED.created_at
VALUES (@customerId, @sku, @quantity, @idempotencyKey, @requestHash);`,
    params: {
      customerId: params.nvarchar,
      sku: params.nvarchar,
      quantity: params.int,
      idempotencyKey: params.nullable(params.nvarchar),
      requestHash: params.nullable(params.varchar),
    },
    rows: rowsOf<OrderRow>(),
  }),
  byIdempotencyKey: statement({
    name: 'orders.by-idempotency-key',
    sql: `SELECT ${columns}, request_hash FROM dbo.orders WHERE customer_id = @customerId AND idempotency_key = @idempotencyKey;`,
    params: { customerId: params.nvarchar, idempotencyKey: params.nvarchar },
    rows: rowsOf<OrderRow & { request_hash: string | null }>(),
  }),
  byId: statement({
    name: 'orders.by-id',
    sql: `SELECT ${columns} FROM dbo.orders WHERE id = @id;`,
    params: { id: params.bigint },
    rows: rowsOf<OrderRow>(),
  }),
  page: statement({
    name: 'orders.page',
    sql: `SELECT TOP (@limit) ${columns} FROM dbo.orders WHERE id > @after ORDER BY id;`,
    params: { limit: params.int, after: params.bigint },
    rows: rowsOf<OrderRow>(),
  }),
};
