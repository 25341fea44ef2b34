import { readFileSync } from 'node:fs';
import { fstatSync } from 'node:fs';
import { bindSocket } from '../sockets/bind.js';
import { inheritedListeners, listenerNames, type ListenerName } from '../sockets/listen-fds.js';

/** One listening socket the supervisor holds for its whole life and passes to every generation. */
export interface HeldSocket {
  readonly name: ListenerName;
  readonly fd: number;
  /** Its port, when known (a socket from systemd is read from /proc/net/tcp). */
  readonly port: number | undefined;
  /** `systemd` (passed in, LISTEN_FDS) or `bound` (by the supervisor). */
  readonly source: 'systemd' | 'bound';
}

export interface SocketAddresses {
  readonly host: string;
  readonly port: number;
  readonly adminHost: string;
  readonly adminPort: number;
}

/**
 * The app and admin sockets: those systemd passed (LISTEN_FDS, named app and admin), and for a name it
 * did not pass, one the supervisor binds itself on HOST:PORT or ADMIN_HOST:ADMIN_PORT.
 */
export async function holdSockets(
  env: Readonly<Record<string, string | undefined>>,
  addresses: SocketAddresses,
): Promise<Record<ListenerName, HeldSocket>> {
  const passed = inheritedListeners(env) ?? {};
  const held: Partial<Record<ListenerName, HeldSocket>> = {};
  for (const name of listenerNames) {
    const fd = passed[name];
    if (fd !== undefined) {
      held[name] = { name, fd, port: listeningPort(fd), source: 'systemd' };
      continue;
    }
    const [host, port] = name === 'app' ? [addresses.host, addresses.port] : [addresses.adminHost, addresses.adminPort];
    const bound = await bindSocket(host, port);
    held[name] = { name, fd: bound.fd, port: bound.port, source: 'bound' };
  }
  return held as Record<ListenerName, HeldSocket>;
}

/** The local port of the listening TCP socket behind `fd`, found by its inode in /proc/net/tcp{,6}. */
function listeningPort(fd: number): number | undefined {
  const inode = String(fstatSync(fd).ino);
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[9] === inode) return Number.parseInt(fields[1]!.split(':')[1]!, 16);
    }
  }
  return undefined;
}
