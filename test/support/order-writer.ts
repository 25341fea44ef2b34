import { request, type Agent } from 'node:http';
import type { Endpoints } from './endpoints.js';

export interface WriteRecord {
  readonly body: { customerId: string; sku: string; quantity: number };
  status?: number;
  /** The order id of a 201. */
  id?: string;
  error?: string;
}

/** POSTs one order on `agent`, never retried, recorded whatever happens. */
export function postOrder(agent: Agent, body: WriteRecord['body'], timeoutMs = 20_000): Promise<WriteRecord> {
  return new Promise((resolve) => {
    const record: WriteRecord = { body };
    const payload = JSON.stringify(body);
    const req = request(
      {
        agent,
        method: 'POST',
        host: 'service.test',
        path: '/orders',
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.once('end', () => {
          record.status = res.statusCode;
          if (res.statusCode === 201) record.id = (JSON.parse(text) as { id: string }).id;
          resolve(record);
        });
      },
    );
    req.once('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.once('error', (error: NodeJS.ErrnoException) => {
      record.error = error.code ?? error.message;
      resolve(record);
    });
    req.end(payload);
  });
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
