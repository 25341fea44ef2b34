import { setTimeout as delay } from 'node:timers/promises';
import type { HaproxyBinary } from './ensure-haproxy.js';
import { backendName } from './haproxy-config.js';
import { startHaproxy } from './haproxy-process.js';
import { runtimeCommand } from './runtime-api.js';
import { serverStats, type ServerStats } from './server-stats.js';

export interface PodCounts extends Omit<ServerStats, 'open'> {
  /** Connections open when the pod was taken out, which went on flowing to it. */
  openAtRemoval: number;
}

/** HAProxy in front of the pods, driven like kube-proxy: endpoints come and go at run time. */
export interface Balancer {
  readonly origin: { host: string; port: number };
  /** A ready pod becomes an endpoint: new connections may go to it. */
  add(port: number): Promise<void>;
  /** The endpoint is removed: no new connections; established ones keep flowing to the pod. */
  remove(port: number): Promise<void>;
  /** Forgets the endpoint once its pod is gone; resolves with what HAProxy counted for it. */
  forget(port: number): Promise<PodCounts>;
  close(): Promise<void>;
}

const serverName = (port: number) => `pod-${port}`;
const server = (port: number) => `${backendName}/${serverName(port)}`;

/**
 * Starts a balancer with no endpoints. Each runtime API command is acknowledged before it resolves,
 * so an endpoint is in or out of rotation from then on.
 * @see https://docs.haproxy.org/2.6/management.html#9.3-add%20server
 */
export async function startBalancer(binary: HaproxyBinary): Promise<Balancer> {
  const haproxy = await startHaproxy(binary);
  const { adminSocketPath } = haproxy;
  const api = async (command: string, expected: RegExp) => {
    const answer = await runtimeCommand(adminSocketPath, command);
    if (!expected.test(answer)) throw new Error(`HAProxy refused \`${command}\`: ${answer}`);
  };
  const statsOf = async (port: number) => {
    const stats = (await serverStats(adminSocketPath)).get(serverName(port));
    if (!stats) throw new Error(`HAProxy has no server ${server(port)}`);
    return stats;
  };
  const openAtRemoval = new Map<number, number>();

  return {
    origin: { host: '127.0.0.1', port: haproxy.port },
    async add(port) {
      await api(`add server ${server(port)} 127.0.0.1:${port}`, /New server registered/);
      // Servers added at run time start in maintenance.
      await api(`enable server ${server(port)}`, /^$/);
    },
    async remove(port) {
      await api(`set server ${server(port)} state maint`, /^$/);
      openAtRemoval.set(port, (await statsOf(port)).open);
    },
    async forget(port) {
      const { connections, failedConnects } = await statsOf(port);
      // HAProxy deletes a server only once its last connection has closed, a moment after the pod exited.
      for (let attempt = 0; ; attempt += 1) {
        const answer = await runtimeCommand(adminSocketPath, `del server ${server(port)}`);
        if (/Server deleted/.test(answer))
          return { connections, failedConnects, openAtRemoval: openAtRemoval.get(port) ?? 0 };
        if (attempt >= 50 || !/connection/i.test(answer)) {
          throw new Error(`HAProxy refused \`del server ${server(port)}\`: ${answer}`);
        }
        await delay(100);
      }
    },
    close: () => haproxy.stop(),
  };
}
