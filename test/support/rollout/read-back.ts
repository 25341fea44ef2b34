import { Agent } from 'node:http';
import { exchange, type ExchangeOptions } from '../http-exchange.js';
import type { AcknowledgedWrite } from './request-mix.js';

export interface LostWrite {
  id: string;
  /** What the read answered: a status, an error, or the body that did not match. */
  seen: string;
}

const matches = (write: AcknowledgedWrite, text: string) => {
  const order = JSON.parse(text) as Record<string, unknown>;
  return (['customerId', 'sku', 'quantity'] as const).every((field) => order[field] === write.body[field]);
};

/** Reads every acknowledged order back through the balancer; each one must be there, as written. */
export async function readBack(
  origin: NonNullable<ExchangeOptions['origin']>,
  writes: readonly AcknowledgedWrite[],
  concurrency = 8,
): Promise<{ readable: number; lost: LostWrite[] }> {
  const lost: LostWrite[] = [];
  let next = 0;
  const reader = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let write = writes[next++]; write; write = writes[next++]) {
      const read = await exchange(agent, { path: `/orders/${write.id}`, origin, timeoutMs: 10_000 });
      if (read.status === 200 && matches(write, read.body)) continue;
      lost.push({ id: write.id, seen: read.error ?? `HTTP ${read.status} ${read.body.slice(0, 200)}` });
    }
    agent.destroy();
  };
  await Promise.all(Array.from({ length: concurrency }, reader));
  return { readable: writes.length - lost.length, lost };
}
