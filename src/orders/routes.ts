import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { queryContext } from '../db/query-context.js';
import { orderErrors } from './errors.js';
import type { NewOrder, OrdersRepository } from './repository.js';
import { createOrderSchema, getOrderSchema, listOrdersSchema } from './schemas.js';

/** The body's fingerprint: a retry must send the same order to get the first result back. */
const requestHash = ({ customerId, sku, quantity }: NewOrder) =>
  createHash('sha256')
    .update(JSON.stringify([customerId, sku, quantity]))
    .digest('hex');

/**
 * The sample domain every clone copies: thin routes over a repository. A client that retries a POST
 * with the same Idempotency-Key gets the first order back instead of a second one.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
 */
export const orderRoutes: FastifyPluginAsync<{ orders: OrdersRepository }> = async (app, { orders }) => {
  app.post<{ Body: NewOrder; Headers: { 'idempotency-key'?: string } }>(
    '/orders',
    { schema: createOrderSchema },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const idempotency = key === undefined ? undefined : { key, requestHash: requestHash(request.body) };
      const outcome = await orders.create(request.body, idempotency, queryContext(request, reply));
      if (outcome.kind === 'conflict') throw new orderErrors.IdempotencyKeyReused(key);
      if (outcome.kind === 'replayed') reply.header('idempotent-replayed', 'true');
      return reply.code(201).header('location', `/orders/${outcome.order.id}`).send(outcome.order);
    },
  );

  app.get<{ Params: { id: string } }>('/orders/:id', { schema: getOrderSchema }, async (request, reply) => {
    const order = await orders.findById(request.params.id, queryContext(request, reply));
    if (!order) throw new orderErrors.OrderNotFound(request.params.id);
    return order;
  });

  app.get<{ Querystring: { limit: number; after: string } }>(
    '/orders',
    { schema: listOrdersSchema },
    async (request, reply) => orders.list(request.query, queryContext(request, reply)),
  );
};
