import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * A new generation starts beside the one serving: loading its modules, compiling and connecting take
 * most of a CPU for half a second, which on a small host is taken from the requests being served. It
 * therefore starts at a lower CPU priority (a higher nice value) and gets the supervisor's own priority
 * back once it is ready. Going back down needs a permission, which the supervisor checks before it
 * raises anything: a generation must never be left serving at the lower priority.
 */

/** Reads a file of /proc; a parameter, so tests can give other contents. */
export type ProcReader = (path: string) => string;

const readProc: ProcReader = (path) => readFileSync(path, 'utf8');

/** CAP_SYS_NICE, in the capability masks of /proc/<pid>/status. */
const capSysNice = 23n;

/**
 * Why this process may not set a child back to `nice` once it has raised it, or undefined if it may.
 * Linux allows it with CAP_SYS_NICE, or when RLIMIT_NICE (systemd's LimitNICE=, which children inherit)
 * reaches that far: a process may go down to nice 20 − the limit.
 */
export function cannotRestore(nice: number, proc: ProcReader = readProc): string | undefined {
  const status = proc('/proc/self/status');
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (capEff !== undefined && (BigInt(`0x${capEff}`) >> capSysNice) & 1n) return undefined;
  const limits = proc('/proc/self/limits');
  const soft = /^Max nice priority\s+(\S+)/m.exec(limits)?.[1];
  if (soft === 'unlimited') return undefined;
  const limit = Number(soft ?? 0);
  if (Number.isInteger(limit) && 20 - limit <= nice) return undefined;
  return `neither CAP_SYS_NICE nor RLIMIT_NICE ${soft ?? '?'} lets a process go back to nice ${nice} (LimitNICE=+${nice} in the unit allows it)`;
}

/** The supervisor's own nice value: what a generation gets back once it is ready. */
export const ownNice = (): number => getPriority();

/**
 * Sets every thread of `pid` to `nice` (on Linux a nice value belongs to a thread, and Node's threads
 * were started at the raised one). Threads that ended meanwhile are skipped. Returns how many were set.
 */
export function setProcessNice(pid: number, nice: number): number {
  let set = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      setPriority(Number(task), nice);
      set += 1;
    } catch (error) {
      // os.setPriority's errors carry the errno name in `info`.
      if ((error as { info?: { code?: string } }).info?.code !== 'ESRCH') throw error;
    }
  }
  return set;
}
