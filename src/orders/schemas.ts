/** JSON schemas of the orders routes: validation of input, and fast serialisation of output. */

// Up to 15 digits: the driver binds BIGINT values only within JavaScript's safe integer range.
const orderId = { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } as const;

export const order = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    customerId: { type: 'string' },
    sku: { type: 'string' },
    quantity: { type: 'integer' },
    createdAt: { type: 'string' },
  },
  required: ['id', 'customerId', 'sku', 'quantity', 'createdAt'],
} as const;

export const createOrderSchema = {
  headers: {
    type: 'object',
    properties: {
      // Printable ASCII, as the IETF draft suggests; a UUID fits.
      'idempotency-key': { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7E]+$' },
    },
  },
  body: {
    type: 'object',
    properties: {
      customerId: { type: 'string', minLength: 1, maxLength: 64 },
      sku: { type: 'string', minLength: 1, maxLength: 64 },
      quantity: { type: 'integer', minimum: 1, maximum: 10_000 },
    },
    required: ['customerId', 'sku', 'quantity'],
    additionalProperties: false,
  },
  response: { 201: order },
} as const;

export const getOrderSchema = {
  params: { type: 'object', properties: { id: orderId }, required: ['id'] },
  response: { 200: order },
} as const;

export const listOrdersSchema = {
  querystring: {
    type: 'object',
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$', default: '0' },
    },
    additionalProperties: false,
  },
  response: {
    200: {
      type: 'object',
      properties: { items: { type: 'array', items: order }, nextAfter: { type: ['string', 'null'] } },
      required: ['items', 'nextAfter'],
    },
  },
} as const;
