import type { Balancer } from '../haproxy/balancer.js';
import { terminatePod } from '../kubelet.js';
import { startService, type LogLine, type ServiceProcess } from '../service-process.js';
import { untilReady } from './readiness-probe.js';
import type { PodSpec } from './scenarios.js';

/** How one replaced pod ended; times in ms, `at` fields relative to the Deployment's creation. */
export interface PodEnd {
  name: string;
  exitCode: number | null;
  signal: string | null;
  prestopStatus?: number;
  terminationStartedAtMs: number;
  sigtermToExitMs: number;
  totalMs: number;
  killedAtGracePeriod: boolean;
  /** What the balancer counted for the pod: connections given, refused, and open when taken out. */
  connections: number;
  failedConnects: number;
  openAtRemoval: number;
  /** The pod's shutdown timeline: its phase, signal and shutdown-step log lines. */
  timeline: LogLine[];
}

const isTimeline = (line: LogLine) => ['phase', 'signal', 'shutdown-step', 'prestop-missed'].includes(line.event ?? '');

/**
 * A Deployment behind the balancer, rolled like the Deployment controller with maxSurge 1 and
 * maxUnavailable 0: a new pod must be ready (and so an endpoint) before an old one starts
 * terminating, and the next new pod starts while that one terminates.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment
 */
export function createDeployment(options: { replicas: number; spec: PodSpec; balancer: Balancer }) {
  const { replicas, spec, balancer } = options;
  const createdAt = performance.now();
  const everyPod = new Set<ServiceProcess>();
  let pods: ServiceProcess[] = [];
  let closed = false;

  async function startPod(): Promise<ServiceProcess> {
    if (closed) throw new Error('the deployment was closed');
    const pod = await startService({ env: spec.env, waitFor: 'listening' });
    everyPod.add(pod);
    if (closed) pod.kill('SIGKILL');
    await untilReady(pod);
    await balancer.add(pod.appPort);
    return pod;
  }

  async function terminate(pod: ServiceProcess): Promise<PodEnd> {
    const ended = await terminatePod(pod, { ...spec.termination, endpoints: balancer });
    const counts = await balancer.forget(pod.appPort);
    return {
      name: `pod-${pod.appPort}`,
      exitCode: ended.exit.code,
      signal: ended.exit.signal,
      ...(ended.prestopStatus === undefined ? {} : { prestopStatus: ended.prestopStatus }),
      terminationStartedAtMs: Math.round(ended.startedAt - createdAt),
      sigtermToExitMs: Math.round(ended.sigtermToExitMs),
      totalMs: Math.round(ended.totalMs),
      killedAtGracePeriod: ended.killedAtGracePeriod,
      ...counts,
      timeline: pod.logs.filter(isTimeline),
    };
  }

  return {
    createdAt,
    async scaleUp(): Promise<void> {
      pods = await Promise.all(Array.from({ length: replicas }, startPod));
    },
    /** Replaces every pod once; resolves when the old ones are gone. */
    async rollingRestart(): Promise<PodEnd[]> {
      const terminating: Array<Promise<PodEnd>> = [];
      for (const old of [...pods]) {
        const fresh = await startPod();
        pods = [...pods.filter((pod) => pod !== old), fresh];
        const ending = terminate(old);
        // Handled by Promise.all below; until then a failure must not count as unhandled.
        ending.catch(() => undefined);
        terminating.push(ending);
      }
      return Promise.all(terminating);
    },
    /** Kills every pod it started, at once: for the end of a run, and for a test that failed or timed out. */
    async close(): Promise<void> {
      closed = true;
      await Promise.all(
        [...everyPod].map(async (pod) => {
          pod.kill('SIGKILL');
          await pod.exited;
        }),
      );
    },
  };
}
