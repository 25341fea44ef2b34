import type { WriteRecord } from '../order-writer.js';

export type Route = 'GET /' | 'GET /orders/:id' | 'POST /orders' | 'GET /debug/delay' | 'GET /debug/db-delay';

export type OrderBody = WriteRecord['body'];

export interface AcknowledgedWrite {
  readonly id: string;
  readonly body: OrderBody;
}

export type PlannedRequest =
  | { readonly route: 'POST /orders'; readonly body: OrderBody; readonly idempotencyKey: string }
  | { readonly route: Exclude<Route, 'POST /orders'>; readonly path: string };

/** mulberry32: a run's traffic is the same sequence every time, so runs compare. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Share of each route; slow ones are few, yet keep a dozen requests in flight at any moment. */
const weights: ReadonlyArray<readonly [Route, number]> = [
  ['GET /', 36],
  ['GET /orders/:id', 25],
  ['POST /orders', 33],
  ['GET /debug/delay', 3],
  ['GET /debug/db-delay', 3],
];
const totalWeight = weights.reduce((sum, [, weight]) => sum + weight, 0);

const between = (random: () => number, min: number, max: number) => Math.round(min + random() * (max - min));

/**
 * The requests of one client, drawn from the mix: reads of orders acknowledged earlier (by any client),
 * writes with an Idempotency-Key of their own, and slow requests (a handler wait, a running query).
 */
export function requestMix(client: string, random: () => number, acknowledged: readonly AcknowledgedWrite[]) {
  let sequence = 0;
  return (): PlannedRequest => {
    let draw = random() * totalWeight;
    const route = weights.find(([, weight]) => (draw -= weight) < 0)?.[0] ?? 'GET /';
    switch (route) {
      case 'POST /orders': {
        sequence += 1;
        const body = { customerId: client, sku: `SKU-${client}-${sequence}`, quantity: 1 + (sequence % 9) };
        return { route, body, idempotencyKey: `${client}-${sequence}` };
      }
      case 'GET /orders/:id': {
        const write = acknowledged[Math.floor(random() * acknowledged.length)];
        return write ? { route, path: `/orders/${write.id}` } : { route: 'GET /', path: '/' };
      }
      case 'GET /debug/delay':
        return { route, path: `/debug/delay/${between(random, 500, 2000)}` };
      case 'GET /debug/db-delay':
        return { route, path: `/debug/db-delay/${between(random, 200, 1500)}` };
      default:
        return { route: 'GET /', path: '/' };
    }
  };
}
