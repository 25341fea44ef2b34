import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/**
 * A port that was free a moment ago, for a program that cannot listen on port 0 and report back.
 * Another process may take it in between: callers retry with a new one when their bind fails.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
