import { request, type Agent } from 'node:http';
import type { Socket } from 'node:net';

export interface ExchangeOptions {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string;
  timeoutMs?: number;
  /** Where the agent connects; agents that pick the endpoint themselves (endpoints.ts) ignore it. */
  origin?: { host: string; port: number };
  onSocket?: (socket: Socket) => void;
}

export interface Exchange {
  startedAt: number;
  endedAt: number;
  status?: number;
  /** Error code (ECONNRESET, ECONNREFUSED, TIMEOUT, ...) when no complete response arrived. */
  error?: string;
  body: string;
  connectionClose: boolean;
  reusedSocket: boolean;
}

/** One request on `agent`, never retried, recorded whatever happens. */
export function exchange(agent: Agent, options: ExchangeOptions): Promise<Exchange> {
  const { host, port } = options.origin ?? { host: 'service.test', port: 80 };
  return new Promise((resolve) => {
    const record: Exchange = {
      startedAt: performance.now(),
      endedAt: 0,
      body: '',
      connectionClose: false,
      reusedSocket: false,
    };
    const finish = (patch: Partial<Exchange>) => {
      if (record.endedAt) return;
      Object.assign(record, patch, { endedAt: performance.now() });
      resolve(record);
    };
    const fail = (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.message });
    const req = request(
      { agent, host, port, method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (res) => {
        res.setEncoding('utf8').on('data', (chunk: string) => (record.body += chunk));
        res.once('end', () => finish({ status: res.statusCode, connectionClose: res.headers.connection === 'close' }));
        res.once('error', fail);
      },
    );
    req.setTimeout(options.timeoutMs ?? 20_000, () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
    );
    req.once('socket', (socket) => {
      record.reusedSocket = req.reusedSocket;
      options.onSocket?.(socket);
    });
    req.once('error', fail);
    req.end(options.body);
  });
}
