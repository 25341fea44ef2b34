import { SqlServerError } from 'tds-standin';

/** A row of dbo.orders as the stand-in keeps it. */
export interface OrderRecord {
  readonly id: number;
  readonly customer_id: string;
  readonly sku: string;
  readonly quantity: number;
  readonly idempotency_key: string | null;
  readonly request_hash: string | null;
  readonly created_at: Date;
}

export interface MigrationRecord {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
}

/**
 * The stand-in's one database, in memory: the tables exist only once the statements that create them
 * have run, and inserts enforce the same constraints as the migration's DDL (the test double must
 * refuse what SQL Server refuses).
 */
export class Store {
  schemaMigrations: Map<number, MigrationRecord> | undefined;
  orders: Map<number, OrderRecord> | undefined;
  private nextOrderId = 1;

  requireOrders(): Map<number, OrderRecord> {
    if (!this.orders) throw new SqlServerError(208, "Invalid object name 'dbo.orders'.");
    return this.orders;
  }

  requireMigrations(): Map<number, MigrationRecord> {
    if (!this.schemaMigrations) throw new SqlServerError(208, "Invalid object name 'dbo.schema_migrations'.");
    return this.schemaMigrations;
  }

  insertOrder(values: Omit<OrderRecord, 'id' | 'created_at'>): OrderRecord {
    const orders = this.requireOrders();
    for (const [column, max] of [
      ['customer_id', 64],
      ['sku', 64],
      ['idempotency_key', 128],
      ['request_hash', 64],
    ] as const) {
      const value = values[column];
      if (value === null && (column === 'customer_id' || column === 'sku')) {
        throw new SqlServerError(
          515,
          `Cannot insert the value NULL into column '${column}', table 'dbo.orders'; column does not allow nulls. INSERT fails.`,
        );
      }
      if (value !== null && value.length > max) {
        throw new SqlServerError(
          2628,
          `String or binary data would be truncated in table 'dbo.orders', column '${column}'.`,
        );
      }
    }
    if (!(values.quantity > 0)) {
      throw new SqlServerError(547, 'The INSERT statement conflicted with the CHECK constraint "ck_orders_quantity".');
    }
    if (values.idempotency_key !== null) {
      for (const row of orders.values()) {
        if (row.customer_id === values.customer_id && row.idempotency_key === values.idempotency_key) {
          throw new SqlServerError(
            2601,
            `Cannot insert duplicate key row in object 'dbo.orders' with unique index 'ux_orders_customer_idempotency_key'. The duplicate key value is (${values.customer_id}, ${values.idempotency_key}).`,
            14,
          );
        }
      }
    }
    // An IDENTITY value is consumed even when the insert fails later; here it is taken on success only.
    const record: OrderRecord = { ...values, id: this.nextOrderId++, created_at: new Date() };
    orders.set(record.id, record);
    return record;
  }
}
