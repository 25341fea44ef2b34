import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { constants } from 'node:os';

/** A TCP socket bound to an address, not listening: a descriptor for the supervisor to pass on. */
export interface BoundSocket {
  readonly fd: number;
  readonly address: string;
  readonly port: number;
  close(): void;
}

interface TcpHandle {
  readonly fd: number;
  getsockname(out: { address?: string; port?: number }): number;
  close(): void;
}

type CreateServerHandle = (
  address: string,
  port: number,
  addressType: 4 | 6,
  fd: undefined,
  flags: 0,
) => TcpHandle | number;

/**
 * Binds `host:port` without listening. Node has no public way to hold a listening socket that its own
 * process never accepts on (a net.Server accepts as soon as it listens), so this uses the handle
 * factory node:cluster's primary uses for the same purpose: a bound socket it gives to its workers and
 * never accepts on itself. The first generation's listen() makes the kernel socket listen; from then
 * on it stays listening for as long as this process holds the descriptor.
 * @see https://github.com/nodejs/node/blob/v24.x/lib/internal/cluster/shared_handle.js
 */
export async function bindSocket(host: string, port: number): Promise<BoundSocket> {
  const createServerHandle = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;
  if (typeof createServerHandle !== 'function') {
    throw new Error(
      'this Node.js cannot bind a socket to pass on; take the sockets from systemd (.socket units) instead',
    );
  }
  const { address, family } = await lookup(host);
  const handle = createServerHandle(address, port, family === 6 ? 6 : 4, undefined, 0);
  if (typeof handle === 'number') {
    const name = Object.entries(constants.errno).find(([, n]) => n === -handle)?.[0] ?? String(handle);
    throw new Error(`cannot bind ${host}:${port}: ${name}`);
  }
  const bound: { address?: string; port?: number } = {};
  handle.getsockname(bound);
  return { fd: handle.fd, address: bound.address ?? address, port: bound.port ?? port, close: () => handle.close() };
}
