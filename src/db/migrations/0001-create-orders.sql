-- Orders, the sample domain. An idempotency key is unique per customer, so a client that retries a
-- POST after a lost response finds its first order instead of creating a second one.
CREATE TABLE dbo.orders (
  id BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT pk_orders PRIMARY KEY,
  customer_id NVARCHAR(64) NOT NULL,
  sku NVARCHAR(64) NOT NULL,
  quantity INT NOT NULL CONSTRAINT ck_orders_quantity CHECK (quantity > 0),
  idempotency_key NVARCHAR(128) NULL,
  request_hash VARCHAR(64) NULL,
  created_at DATETIME2(3) NOT NULL CONSTRAINT df_orders_created_at DEFAULT SYSUTCDATETIME()
);
CREATE UNIQUE INDEX ux_orders_customer_idempotency_key
  ON dbo.orders (customer_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
