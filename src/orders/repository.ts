import { TYPES } from 'tedious';
import type { Database, QueryContext } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { statement } from '../db/statement.js';

export interface NewOrder {
  readonly customerId: string;
  readonly sku: string;
  readonly quantity: number;
}

export interface Order extends NewOrder {
  /** BIGINT identity, as a decimal string (JSON numbers lose precision above 2^53). */
  readonly id: string;
  readonly createdAt: string;
}

interface OrderRow {
  id: string | number;
  customer_id: string;
  sku: string;
  quantity: number;
  created_at: Date;
  request_hash?: string | null;
}

const columns = 'id, customer_id, sku, quantity, created_at';

/** Every statement of the orders repository (the stand-in in test/support answers exactly these). */
export const orderStatements = {
  insert: statement(
    'orders.insert',
    `INSERT INTO dbo.orders (customer_id, sku, quantity, idempotency_key, request_hash)
OUTPUT INSERTED.id, INSERTED.customer_id, INSERTED.sku, INSERTED.quantity, INSERTED.created_at
VALUES (@customerId, @sku, @quantity, @idempotencyKey, @requestHash);`,
    {
      customerId: TYPES.NVarChar,
      sku: TYPES.NVarChar,
      quantity: TYPES.Int,
      idempotencyKey: TYPES.NVarChar,
      requestHash: TYPES.VarChar,
    },
  ),
  byIdempotencyKey: statement(
    'orders.by-idempotency-key',
    `SELECT ${columns}, request_hash FROM dbo.orders WHERE customer_id = @customerId AND idempotency_key = @idempotencyKey;`,
    { customerId: TYPES.NVarChar, idempotencyKey: TYPES.NVarChar },
  ),
  byId: statement('orders.by-id', `SELECT ${columns} FROM dbo.orders WHERE id = @id;`, { id: TYPES.BigInt }),
  page: statement('orders.page', `SELECT TOP (@limit) ${columns} FROM dbo.orders WHERE id > @after ORDER BY id;`, {
    limit: TYPES.Int,
    after: TYPES.BigInt,
  }),
};

const toOrder = (row: OrderRow): Order => ({
  id: String(row.id),
  customerId: row.customer_id,
  sku: row.sku,
  quantity: row.quantity,
  createdAt: row.created_at.toISOString(),
});

export type CreateOutcome =
  | { readonly kind: 'created'; readonly order: Order }
  | { readonly kind: 'replayed'; readonly order: Order }
  | { readonly kind: 'conflict' };

export interface OrdersRepository {
  /**
   * Inserts an order. With an idempotency key, a second call with the same key (per customer) and
   * the same `requestHash` returns the first order; with another hash it is a conflict.
   */
  create(
    order: NewOrder,
    idempotency: { key: string; requestHash: string } | undefined,
    context: QueryContext,
  ): Promise<CreateOutcome>;
  findById(id: string, context: QueryContext): Promise<Order | undefined>;
  /** Keyset pagination: orders with an id above `after`, oldest first; `nextAfter` when more may follow. */
  list(
    page: { limit: number; after: string },
    context: QueryContext,
  ): Promise<{ items: Order[]; nextAfter: string | null }>;
}

export function createOrdersRepository({ db }: { db: Database }): OrdersRepository {
  return {
    async create(order, idempotency, context) {
      try {
        const { rows } = await db.query<OrderRow, keyof typeof orderStatements.insert.params>(
          orderStatements.insert,
          { ...order, idempotencyKey: idempotency?.key ?? null, requestHash: idempotency?.requestHash ?? null },
          context,
        );
        return { kind: 'created', order: toOrder(rows[0]!) };
      } catch (error) {
        // The unique index on (customer_id, idempotency_key) decides races between retries, too.
        if (!idempotency || !isUniqueViolation(error)) throw error;
      }
      const { rows } = await db.query<OrderRow, 'customerId' | 'idempotencyKey'>(
        orderStatements.byIdempotencyKey,
        { customerId: order.customerId, idempotencyKey: idempotency.key },
        context,
      );
      const first = rows[0];
      if (!first) throw new Error('idempotency key conflicted but no order holds it');
      return first.request_hash === idempotency.requestHash
        ? { kind: 'replayed', order: toOrder(first) }
        : { kind: 'conflict' };
    },
    async findById(id, context) {
      const { rows } = await db.query<OrderRow, 'id'>(orderStatements.byId, { id }, context);
      return rows[0] ? toOrder(rows[0]) : undefined;
    },
    async list({ limit, after }, context) {
      const { rows } = await db.query<OrderRow, 'limit' | 'after'>(orderStatements.page, { limit, after }, context);
      const items = rows.map(toOrder);
      return { items, nextAfter: items.length === limit ? items[items.length - 1]!.id : null };
    },
  };
}
