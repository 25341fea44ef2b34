// One measurement: a warm-up run whose results are thrown away (JIT, connection setup, lazy caches),
// then the measured autocannon run, while the CPU time of the server, of the bench itself and of the
// rest of the machine is read, so the output shows which one was the bottleneck and whether something
// outside the bench took CPU during the run.
import autocannon from 'autocannon';
import { readCpuMs, readMachineBusyMs } from './proc.mjs';

/** Runs autocannon and resolves with its result; an `error` event (setup failure) rejects. */
function fire(url, { connections, durationS }) {
  return autocannon({ url, connections, pipelining: 1, duration: durationS });
}

/** CPU used by the server, the bench and its helpers (`helperPids`), and everything else, from now on. */
function cpuMeter(serverPid, helperPids) {
  const helpersMs = () => helperPids.reduce((sum, pid) => sum + readCpuMs(pid), 0);
  const start = {
    server: readCpuMs(serverPid),
    bench: process.cpuUsage(),
    helpers: helpersMs(),
    machine: readMachineBusyMs(),
  };
  return () => {
    const serverMs = readCpuMs(serverPid) - start.server;
    const bench = process.cpuUsage(start.bench);
    const benchMs = (bench.user + bench.system) / 1000;
    const helpersUsedMs = helpersMs() - start.helpers;
    const machineMs = readMachineBusyMs() - start.machine;
    return {
      serverMs,
      benchMs,
      helpersMs: helpersUsedMs,
      otherMs: Math.max(0, machineMs - serverMs - benchMs - helpersUsedMs),
    };
  };
}

const failuresOf = (result) => result.errors + result.timeouts + result.non2xx;

/** Warm-up, then the measured run, of `GET path` (default `/`); the server's CPU is read around the latter. */
export async function measure(server, { connections, durationS, warmupS, path = '/' }, helperPids = []) {
  const url = `http://127.0.0.1:${server.appPort}${path}`;
  const warmup = warmupS > 0 ? await fire(url, { connections, durationS: warmupS }) : undefined;

  const cpuUsed = cpuMeter(server.pid, helperPids);
  const result = await fire(url, { connections, durationS });
  const cpu = cpuUsed();
  const percentOfWall = (ms) => (100 * ms) / (result.duration * 1000);

  return {
    requestsPerSecond: result.requests.average,
    requestsTotal: result.requests.total,
    // Sent but unanswered when the run ended (at most one per connection): the server may still serve them.
    requestsSent: result.requests.sent,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    serverCpuPercent: percentOfWall(cpu.serverMs),
    // The server's cost per request does not depend on how much CPU the load generator left it, so it
    // is the steadier measure of what the service adds when both share 2 cores.
    serverCpuMicrosPerRequest: (1000 * cpu.serverMs) / result.requests.total,
    loadGeneratorCpuPercent: percentOfWall(cpu.benchMs),
    helpersCpuPercent: percentOfWall(cpu.helpersMs),
    // Kernel work on behalf of the bench (loopback TCP) lands partly here too, so a few % is normal;
    // tens of % mean another program was busy and the round is suspect.
    otherCpuPercent: percentOfWall(cpu.otherMs),
    durationS: result.duration,
    warmupRequests: warmup?.requests.total ?? 0,
    warmupRequestsSent: warmup?.requests.sent ?? 0,
    warmupFailed: warmup ? failuresOf(warmup) : 0,
  };
}
