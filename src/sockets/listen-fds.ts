import { fstatSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

/** The listener names this service takes from LISTEN_FDNAMES. */
export const listenerNames = ['app', 'admin'] as const;
export type ListenerName = (typeof listenerNames)[number];

/** Descriptors handed to this process, by listener; a listener without one binds its own port. */
export type InheritedListeners = Partial<Readonly<Record<ListenerName, number>>>;

/** sd_listen_fds(3): passed descriptors start at 3. */
export const firstListenFd = 3;

export class ListenFdsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`inherited listeners (LISTEN_FDS) are unusable:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ListenFdsError';
  }
}

/**
 * Reads systemd's socket-passing protocol: LISTEN_FDS descriptors from fd 3 on, meant for the process
 * LISTEN_PID, named by LISTEN_FDNAMES (`app`, `admin`). Undefined when LISTEN_FDS is not set. Checks that
 * each descriptor is a socket, and not a UNIX one; that it is TCP shows when the listener listens on it
 * (describeListening).
 * @see https://www.freedesktop.org/software/systemd/man/latest/sd_listen_fds.html
 */
export function inheritedListeners(
  env: Readonly<Record<string, string | undefined>>,
  pid: number = process.pid,
  isSocket: (fd: number) => boolean = socketDescriptor,
  isUnixSocket: (fd: number) => boolean = unixSocketDescriptor,
): InheritedListeners | undefined {
  const count = env.LISTEN_FDS;
  if (count === undefined || count === '') return undefined;
  const problems: string[] = [];
  if (!/^[1-9]\d*$/.test(count)) problems.push(`LISTEN_FDS: ${JSON.stringify(count)} is not a count of descriptors`);
  if (env.LISTEN_PID !== String(pid)) {
    problems.push(
      env.LISTEN_PID
        ? `LISTEN_PID: ${env.LISTEN_PID} is another process (this one is ${pid}); the descriptors were not passed to it`
        : 'LISTEN_PID: not set; the protocol names the process the descriptors are for',
    );
  }
  // Unset names nothing: ''.split(':') would be one empty name, which passes for one descriptor's.
  const names = env.LISTEN_FDNAMES ? env.LISTEN_FDNAMES.split(':') : [];
  if (problems.length === 0 && names.length !== Number(count)) {
    problems.push(
      `LISTEN_FDNAMES: ${JSON.stringify(env.LISTEN_FDNAMES ?? '')} names ${names.length} of ${count} descriptor(s); name each app or admin (FileDescriptorName= in the .socket unit)`,
    );
  }
  const listeners: Partial<Record<ListenerName, number>> = {};
  if (problems.length === 0) {
    names.forEach((name, i) => {
      const fd = firstListenFd + i;
      if (!(listenerNames as readonly string[]).includes(name)) {
        problems.push(`LISTEN_FDNAMES: fd ${fd} is named ${JSON.stringify(name)}, not app or admin`);
      } else if (listeners[name as ListenerName] !== undefined) {
        problems.push(`LISTEN_FDNAMES: ${name} is named twice`);
      } else if (!isSocket(fd)) {
        problems.push(`fd ${fd} (${name}) is not a socket`);
      } else if (isUnixSocket(fd)) {
        problems.push(`fd ${fd} (${name}) is not a TCP socket (a UNIX socket)`);
      } else {
        listeners[name as ListenerName] = fd;
      }
    });
  }
  if (problems.length > 0) throw new ListenFdsError(problems);
  return listeners;
}

function socketDescriptor(fd: number): boolean {
  try {
    return fstatSync(fd).isSocket();
  } catch {
    return false;
  }
}

/**
 * Node cannot tell a socket's family, and a UNIX socket passed as a descriptor listens with no address,
 * on which Fastify's listen throws from its `listening` handler before the service can say what is
 * wrong. Linux lists every UNIX socket of the network namespace, by inode, in /proc/net/unix (columns:
 * Num RefCount Protocol Flags Type St Inode Path). False where there is no /proc.
 * @see https://man7.org/linux/man-pages/man5/proc_pid_net.5.html
 */
function unixSocketDescriptor(fd: number): boolean {
  let table: string;
  try {
    table = readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return false;
  }
  const inode = String(fstatSync(fd).ino);
  return table
    .split('\n')
    .slice(1)
    .some((line) => line.trim().split(/\s+/)[6] === inode);
}

/** What a listener says once it listens on an inherited descriptor: a TCP port, or the problem. */
export function describeListening(
  name: ListenerName,
  fd: number,
  address: AddressInfo | string | null,
): { port: number } | { problem: string } {
  if (address && typeof address === 'object') return { port: address.port };
  return {
    problem: `fd ${fd} (${name}) is not a TCP socket (${address ? `a UNIX socket at ${address}` : 'no address'})`,
  };
}
