import { Agent } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { exchange, type ExchangeOptions } from '../http-exchange.js';
import { postOrder } from '../order-writer.js';
import { requestMix, seededRandom, type AcknowledgedWrite, type PlannedRequest, type Route } from './request-mix.js';

export type ClientType = 'keep-alive' | 'one-shot';

export interface TrafficRecord {
  client: ClientType;
  route: Route;
  startedAt: number;
  endedAt: number;
  status?: number;
  error?: string;
}

export interface TrafficOptions {
  origin: NonNullable<ExchangeOptions['origin']>;
  /** Names this run's clients, which are the orders' customers: keys never meet another run's. */
  runId: string;
  keepAliveClients: number;
  oneShotClients: number;
  timeoutMs?: number;
  /** Pause between a client's requests: up to this, drawn at random. */
  thinkMaxMs?: number;
  seed?: number;
  /** Ends the traffic at once, cutting requests in flight: for a test that failed or timed out. */
  signal?: AbortSignal;
}

/**
 * Other services calling this one through the Service address: keep-alive clients (one connection
 * each, reused until the server says `Connection: close`) and one-shot clients (a connection per
 * request), in closed loops, never retrying, until `stop()`.
 */
export function startTraffic(options: TrafficOptions) {
  const { origin, timeoutMs = 15_000, thinkMaxMs = 10, seed = 1 } = options;
  const records: TrafficRecord[] = [];
  const writes: AcknowledgedWrite[] = [];
  let stopping = false;
  const agents = new Set<Agent>();
  options.signal?.addEventListener('abort', () => {
    stopping = true;
    for (const agent of agents) agent.destroy();
  });

  async function perform(agent: Agent, client: ClientType, planned: PlannedRequest): Promise<TrafficRecord> {
    const startedAt = performance.now();
    let outcome: { status?: number; error?: string };
    if (planned.route === 'POST /orders') {
      const { idempotencyKey, body } = planned;
      const write = await postOrder(agent, body, { idempotencyKey, origin, timeoutMs });
      if (write.id) writes.push({ id: write.id, body });
      outcome = write;
    } else {
      outcome = await exchange(agent, { path: planned.path, origin, timeoutMs });
    }
    const { status, error } = outcome;
    return { client, route: planned.route, startedAt, endedAt: performance.now(), status, error };
  }

  async function loop(client: ClientType, index: number): Promise<void> {
    const agent = new Agent({ keepAlive: client === 'keep-alive', maxSockets: 1 });
    agents.add(agent);
    const random = seededRandom(seed * 1000 + index);
    const next = requestMix(`${options.runId}-${client}-${index}`, random, writes);
    while (!stopping) {
      records.push(await perform(agent, client, next()));
      await delay(random() * thinkMaxMs);
    }
    agent.destroy();
  }

  const loops = Promise.all([
    ...Array.from({ length: options.keepAliveClients }, (_, i) => loop('keep-alive', i)),
    ...Array.from({ length: options.oneShotClients }, (_, i) => loop('one-shot', options.keepAliveClients + i)),
  ]);
  return {
    records,
    /** Lets every client finish the request it has in flight; resolves with what they saw. */
    async stop(): Promise<{ records: TrafficRecord[]; writes: AcknowledgedWrite[] }> {
      stopping = true;
      await loops;
      return { records, writes };
    },
  };
}
