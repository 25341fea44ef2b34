import type { Agent } from 'node:http';
import type { Endpoints } from './endpoints.js';
import { exchange, type ExchangeOptions } from './http-exchange.js';

export interface WriteRecord {
  readonly body: { customerId: string; sku: string; quantity: number };
  status?: number;
  /** The order id of a 201. */
  id?: string;
  error?: string;
}

export interface PostOptions {
  timeoutMs?: number;
  idempotencyKey?: string;
  origin?: ExchangeOptions['origin'];
}

/** POSTs one order on `agent`, never retried, recorded whatever happens. */
export async function postOrder(
  agent: Agent,
  body: WriteRecord['body'],
  options: PostOptions = {},
): Promise<WriteRecord> {
  const payload = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  };
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  const {
    status,
    error,
    body: text,
  } = await exchange(agent, {
    method: 'POST',
    path: '/orders',
    headers,
    body: payload,
    timeoutMs: options.timeoutMs ?? 20_000,
    origin: options.origin,
  });
  const record: WriteRecord = { body, status, error };
  if (status === 201) record.id = (JSON.parse(text) as { id: string }).id;
  return record;
}

/** Keep-alive clients that create orders in closed loops, without retries, until `stop()`. */
export function startWriters(endpoints: Endpoints, clients: number) {
  const records: WriteRecord[] = [];
  let stopping = false;
  let sequence = 0;
  const loops = Array.from({ length: clients }, async (_, client) => {
    const agent = endpoints.agent({ keepAlive: true, maxSockets: 1 });
    while (!stopping) {
      records.push(await postOrder(agent, { customerId: `writer-${client}`, sku: `SKU-${++sequence}`, quantity: 1 }));
    }
    agent.destroy();
  });
  return {
    records,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return {
        acknowledged: records.filter((r) => r.status === 201),
        failed: records.filter((r) => r.status !== 201),
      };
    },
  };
}
