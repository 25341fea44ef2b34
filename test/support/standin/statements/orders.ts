import { orderStatements } from '../../../../src/orders/statements.js';
import type { StatementRequest, StatementResult } from 'tds-standin';
import { column, int, text } from './params.js';
import type { OrderRecord, Store } from './store.js';

const orderColumns = [
  column('id', 'bigint'),
  column('customer_id', 'nvarchar', { length: 64 }),
  column('sku', 'nvarchar', { length: 64 }),
  column('quantity', 'int'),
  column('created_at', 'datetime2', { scale: 3 }),
];

const values = (o: OrderRecord) => [o.id, o.customer_id, o.sku, o.quantity, o.created_at];

type Handler = (request: StatementRequest) => StatementResult[];

/** dbo.orders: the repository's statements, answered from the in-memory store. */
export function orderHandlers(store: Store): Array<[string, Handler]> {
  return [
    [
      orderStatements.insert.sql,
      (request) => {
        const record = store.insertOrder({
          customer_id: text(request, 'customerId')!,
          sku: text(request, 'sku')!,
          quantity: int(request, 'quantity'),
          idempotency_key: text(request, 'idempotencyKey'),
          request_hash: text(request, 'requestHash'),
        });
        return [{ columns: orderColumns, rows: [values(record)], rowCount: 1 }];
      },
    ],
    [
      orderStatements.byIdempotencyKey.sql,
      (request) => {
        const customer = text(request, 'customerId');
        const key = text(request, 'idempotencyKey');
        const rows = [...store.requireOrders().values()]
          .filter((o) => o.customer_id === customer && o.idempotency_key === key)
          .map((o) => [...values(o), o.request_hash]);
        const columns = [...orderColumns, column('request_hash', 'varchar', { length: 64, nullable: true })];
        return [{ columns, rows, rowCount: rows.length }];
      },
    ],
    [
      orderStatements.byId.sql,
      (request) => {
        const found = store.requireOrders().get(int(request, 'id'));
        const rows = found ? [values(found)] : [];
        return [{ columns: orderColumns, rows, rowCount: rows.length }];
      },
    ],
    [
      orderStatements.page.sql,
      (request) => {
        const after = int(request, 'after');
        const rows = [...store.requireOrders().values()]
          .filter((o) => o.id > after)
          .sort((a, b) => a.id - b.id)
          .slice(0, Math.max(0, int(request, 'limit')))
          .map(values);
        return [{ columns: orderColumns, rows, rowCount: rows.length }];
      },
    ],
  ];
}
