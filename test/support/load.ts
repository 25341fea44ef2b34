import { request, type Agent } from 'node:http';
import { endpointOf, type Endpoints } from './endpoints.js';

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

/** A failure is anything but a 2xx answer: a status, a reset, a refusal, a timeout. */
export const isFailure = (r: RequestRecord) => r.status === undefined || r.status < 200 || r.status >= 300;
export const failureKind = (r: RequestRecord) => r.error ?? `HTTP ${r.status}`;

/** One request on `agent`, never retried, recorded whatever happens. */
export function send(agent: Agent, kind: ClientKind, path: string, timeoutMs = 20_000): Promise<RequestRecord> {
  return new Promise((resolve) => {
    const record: RequestRecord = {
      kind,
      path,
      port: undefined,
      startedAt: performance.now(),
      endedAt: 0,
      connectionClose: false,
      reusedSocket: false,
    };
    const finish = (patch: Partial<RequestRecord>) => {
      if (record.endedAt) return;
      Object.assign(record, patch, { endedAt: performance.now() });
      resolve(record);
    };
    const req = request({ agent, host: 'service.test', port: 80, path, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => finish({ status: res.statusCode, connectionClose: res.headers.connection === 'close' }));
      res.once('error', (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.message }));
    });
    req.once('socket', (socket) => {
      record.reusedSocket = req.reusedSocket;
      record.port = endpointOf(socket);
    });
    req.once('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.once('error', (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.message }));
    req.end();
  });
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
