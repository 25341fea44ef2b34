import { isUniqueViolation } from '../db/errors.js';
import type { QueryContext, QueryExecutor } from '../db/query-executor.js';
import { orderStatements, type OrderRow } from './statements.js';

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

export function createOrdersRepository({ db }: { db: QueryExecutor }): OrdersRepository {
  return {
    async create(order, idempotency, context) {
      try {
        const { rows } = await db.query(
          orderStatements.insert,
          { ...order, idempotencyKey: idempotency?.key ?? null, requestHash: idempotency?.requestHash ?? null },
          context,
        );
        return { kind: 'created', order: toOrder(rows[0]!) };
      } catch (error) {
        // The unique index on (customer_id, idempotency_key) decides races between retries, too.
        if (!idempotency || !isUniqueViolation(error)) throw error;
      }
      const { rows } = await db.query(
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
      const { rows } = await db.query(orderStatements.byId, { id }, context);
      return rows[0] ? toOrder(rows[0]) : undefined;
    },
    async list({ limit, after }, context) {
      const { rows } = await db.query(orderStatements.page, { limit, after }, context);
      const items = rows.map(toOrder);
      return { items, nextAfter: items.length === limit ? items[items.length - 1]!.id : null };
    },
  };
}
