// Readings from /proc (Linux): memory and CPU time of the children, and of the whole machine, so a run
// can say how much CPU went to processes that are not part of the bench (a shared machine).
import { readFileSync } from 'node:fs';

/** Resident set size of a running process, from /proc (Linux). */
export function readRssBytes(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : undefined;
}

// USER_HZ is 100 on every Linux this runs on; Node has no sysconf(_SC_CLK_TCK).
const clockTicksPerSecond = 100;

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc/<pid>/stat. */
export function readCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself contain spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
}

/** CPU time all CPUs of the machine spent busy so far (everything but idle and iowait), in ms. */
export function readMachineBusyMs() {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  // Columns: user nice system idle iowait irq softirq steal guest guest_nice (guest is already in user).
  const [user, nice, system, , , irq, softirq, steal] = ticks;
  return ((user + nice + system + irq + softirq + steal) * 1000) / clockTicksPerSecond;
}
