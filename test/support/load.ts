import type { Agent } from 'node:http';
import { endpointOf, type Endpoints } from './endpoints.js';
import { exchange } from './http-exchange.js';

export type ClientKind = 'keep-alive' | 'one-shot' | 'slow';

export interface RequestRecord {
  kind: ClientKind;
  path: string;
  /** Which endpoint (pod port) the connection went to. */
  port: number | undefined;
  startedAt: number;
  endedAt: number;
  status?: number;
  /** Error code (ECONNRESET, ECONNREFUSED, TIMEOUT, ...) when no response arrived. */
  error?: string;
  connectionClose: boolean;
  reusedSocket: boolean;
}

export interface LoadOptions {
  endpoints: Endpoints;
  keepAliveClients: number;
  oneShotClients: number;
  slowClients: number;
  slowMs: number;
  requestTimeoutMs?: number;
}

export interface LoadResult {
  records: RequestRecord[];
  failures: RequestRecord[];
  failuresByKind: Record<string, number>;
}

type Outcome = Pick<RequestRecord, 'status' | 'error'>;

/** A failure is anything but a 2xx answer: a status, a reset, a refusal, a timeout. */
export const isFailure = (r: Outcome) => r.status === undefined || r.status < 200 || r.status >= 300;
export const failureKind = (r: Outcome) => r.error ?? `HTTP ${r.status}`;

/** One GET on `agent`, never retried, recorded whatever happens, with the endpoint it went to. */
export async function send(agent: Agent, kind: ClientKind, path: string, timeoutMs = 20_000): Promise<RequestRecord> {
  let port: number | undefined;
  const { startedAt, endedAt, status, error, connectionClose, reusedSocket } = await exchange(agent, {
    path,
    timeoutMs,
    onSocket: (socket) => (port = endpointOf(socket)),
  });
  return { kind, path, port, startedAt, endedAt, status, error, connectionClose, reusedSocket };
}

/**
 * Traffic like that of other services calling this one: keep-alive clients (one connection each,
 * reused), one-shot clients (a new connection per request) and slow keep-alive requests, all in
 * closed loops without retries, until `stop()`.
 */
export function startLoad(options: LoadOptions) {
  const records: RequestRecord[] = [];
  let stopping = false;
  const loop = async (kind: ClientKind, path: string, agent: Agent) => {
    while (!stopping) records.push(await send(agent, kind, path, options.requestTimeoutMs));
    agent.destroy();
  };
  const agent = (keepAlive: boolean) => options.endpoints.agent({ keepAlive, maxSockets: 1 });
  const loops = [
    ...Array.from({ length: options.keepAliveClients }, () => loop('keep-alive', '/', agent(true))),
    ...Array.from({ length: options.oneShotClients }, () => loop('one-shot', '/', agent(false))),
    ...Array.from({ length: options.slowClients }, () => loop('slow', `/debug/delay/${options.slowMs}`, agent(true))),
  ];
  return {
    records,
    async stop(): Promise<LoadResult> {
      stopping = true;
      await Promise.all(loops);
      const failures = records.filter(isFailure);
      const failuresByKind: Record<string, number> = {};
      for (const f of failures) failuresByKind[failureKind(f)] = (failuresByKind[failureKind(f)] ?? 0) + 1;
      return { records, failures, failuresByKind };
    },
  };
}
