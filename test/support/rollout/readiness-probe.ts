import { setTimeout as delay } from 'node:timers/promises';
import type { ServiceProcess } from '../service-process.js';

/**
 * Resolves once `/readyz` on the pod's admin port answers 200, as the kubelet's readiness probe sees
 * it: only then does the pod become an endpoint.
 * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/#readiness-probe
 */
export async function untilReady(pod: ServiceProcess, timeoutMs = 30_000, periodMs = 100): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  void pod.exited.then(() => (exited = true));
  let last = 'no answer';
  while (performance.now() < deadline && !exited) {
    try {
      const response = await fetch(`http://127.0.0.1:${pod.adminPort}/readyz`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await delay(periodMs);
  }
  const why = exited ? 'the pod exited' : `not ready in ${timeoutMs} ms (last: ${last})`;
  throw new Error(`pod on port ${pod.appPort}: ${why}\n${pod.stderr()}`);
}
