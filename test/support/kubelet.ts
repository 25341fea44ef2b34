import { setTimeout as delay } from 'node:timers/promises';
import type { Exit, ServiceProcess } from './service-process.js';

export type PrestopMode = 'http' | 'sleep' | 'none';

export interface ProbeRecord {
  at: number;
  path: '/healthz' | '/readyz';
  status: number | string;
}

/** What takes a pod out of load balancing: endpoints.ts in process, a balancer's runtime API, … */
export interface EndpointRemoval {
  remove(port: number): void | Promise<void>;
}

export interface TerminationOptions {
  mode: PrestopMode;
  endpoints: EndpointRemoval;
  /** How long after termination starts the endpoint removal reaches the balancer. */
  propagationDelayMs: number;
  gracePeriodSeconds: number;
  /** The preStop sleep in `sleep` mode. */
  sleepMs?: number;
  prestopToken?: string;
  probeIntervalMs?: number;
}

export interface Termination {
  startedAt: number;
  sigtermAt: number;
  exit: Exit;
  prestopStatus?: number;
  sigtermToExitMs: number;
  totalMs: number;
  killedAtGracePeriod: boolean;
  probes: ProbeRecord[];
}

async function get(port: number, path: string, headers: Record<string, string> = {}): Promise<number | string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers, signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code ?? String(error);
  }
}

/**
 * Terminates a pod the way the kubelet and the endpoints controller do, concurrently: the endpoint is
 * removed after a propagation delay; the preStop hook runs (GET /prestop, or a sleep); then SIGTERM;
 * SIGKILL if the grace period, which counts the hook, runs out. Probes keep running meanwhile.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
export async function terminatePod(pod: ServiceProcess, options: TerminationOptions): Promise<Termination> {
  const startedAt = performance.now();
  const probes: ProbeRecord[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      for (const path of ['/healthz', '/readyz'] as const) {
        probes.push({ at: performance.now(), path, status: await get(pod.adminPort, path) });
      }
      await delay(options.probeIntervalMs ?? 100);
    }
  })();
  const removal = delay(options.propagationDelayMs).then(() => options.endpoints.remove(pod.appPort));
  let killedAtGracePeriod = false;
  const graceTimer = setTimeout(() => {
    killedAtGracePeriod = true;
    pod.kill('SIGKILL');
  }, options.gracePeriodSeconds * 1000);

  let prestopStatus: number | undefined;
  if (options.mode === 'http') {
    const status = await get(pod.adminPort, '/prestop', { 'x-prestop-token': options.prestopToken ?? '' });
    prestopStatus = typeof status === 'number' ? status : undefined;
  } else if (options.mode === 'sleep') {
    await delay(options.sleepMs ?? 0);
  }
  const sigtermAt = performance.now();
  pod.kill('SIGTERM');
  const exit = await pod.exited;
  clearTimeout(graceTimer);
  probing = false;
  await Promise.all([removal, prober]);
  return {
    startedAt,
    sigtermAt,
    exit,
    ...(prestopStatus === undefined ? {} : { prestopStatus }),
    sigtermToExitMs: exit.at - sigtermAt,
    totalMs: exit.at - startedAt,
    killedAtGracePeriod,
    probes,
  };
}
