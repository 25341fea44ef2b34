import { backendName } from './haproxy-config.js';
import { runtimeCommand } from './runtime-api.js';

export interface ServerStats {
  /** Connections open to the server right now (`scur`). */
  open: number;
  /** Connections HAProxy has sent to the server (`stot`). */
  connections: number;
  /** Of those, the ones the server refused or did not accept in time (`econ`): their clients were cut. */
  failedConnects: number;
}

/**
 * What `show stat` says of each server of the backend, by server name.
 * @see https://docs.haproxy.org/2.6/management.html#9.1
 */
export async function serverStats(socketPath: string): Promise<Map<string, ServerStats>> {
  const [header = '', ...rows] = (await runtimeCommand(socketPath, 'show stat')).split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const column = (cells: string[], name: string) => Number(cells[columns.indexOf(name)] || 0);
  const stats = new Map<string, ServerStats>();
  for (const cells of rows.map((row) => row.split(','))) {
    if (cells[columns.indexOf('pxname')] !== backendName) continue;
    stats.set(cells[columns.indexOf('svname')]!, {
      open: column(cells, 'scur'),
      connections: column(cells, 'stot'),
      failedConnects: column(cells, 'econ'),
    });
  }
  return stats;
}
