import { afterEach, describe, expect, it } from '@jest/globals';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../support/free-port.js';
import { killAll, startService, type LogLine } from '../support/service-process.js';

afterEach(killAll);

/**
 * The built service with a log that only the flush at exit writes (a flush interval of 10 s, longer
 * than the test): on ports picked here, since its `listening` lines come out only at the end.
 */
async function quietService(env: Record<string, string>) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const pod = await startService({
    waitFor: 'spawned',
    env: { LOG_FLUSH_INTERVAL_MS: '10000', PORT: String(port), ADMIN_PORT: String(adminPort), ...env },
  });
  let exited = false;
  void pod.exited.then(() => (exited = true));
  for (let ready = false; !ready; await delay(50)) {
    if (exited) throw new Error(`the service exited while starting:\n${JSON.stringify(pod.logs)}\n${pod.stderr()}`);
    ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
  }
  return { pod, port };
}

/** The lines of the shutdown timeline, as an operator reads them. */
const timeline = (logs: readonly LogLine[]) =>
  logs
    .filter((l) => l.event === 'signal' || l.event === 'phase' || l.event === 'shutdown-step')
    .map((l) =>
      l.event === 'phase' ? `phase ${l.phase}` : l.event === 'signal' ? `signal ${l.signal}` : `step ${l.step}`,
    );

describe('the log, buffered and written in batches (LOG_FLUSH_INTERVAL_MS)', () => {
  it('holds every line of the shutdown timeline, in order, the last one included, before the process exits', async () => {
    const { pod, port } = await quietService({ DRAIN_DELAY_MS: '300', LOG_REQUESTS: 'true' });
    for (let i = 0; i < 50; i++) await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
    // Under load the buffer goes out as it fills; what came after the last full buffer waits for the exit.
    pod.kill('SIGTERM');
    expect(await pod.exited).toMatchObject({ code: 0, signal: null });
    expect(pod.logs.filter((l) => l.event === 'request')).toHaveLength(50);
    expect(timeline(pod.logs)).toEqual([
      'phase ready',
      'signal SIGTERM',
      'phase draining',
      'phase closing',
      'step app-listener',
      'step admin-listener',
      'phase stopped',
    ]);
    expect(pod.logs.at(-1)).toMatchObject({ event: 'phase', phase: 'stopped', exitCode: 0 });
    const times = pod.logs.filter((l) => typeof l.time === 'string').map((l) => Date.parse(l.time as string));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(pod.stderr()).toBe('');
  });

  it('writes a line within LOG_FLUSH_INTERVAL_MS when nothing else is logged', async () => {
    const pod = await startService({ env: { LOG_FLUSH_INTERVAL_MS: '200', LOG_REQUESTS: 'true' } });
    const sentAt = performance.now();
    await (await fetch(`http://127.0.0.1:${pod.appPort}/`)).arrayBuffer();
    await pod.waitForLog((l) => l.event === 'request', 2000);
    expect(performance.now() - sentAt).toBeLessThan(1500);
  });

  it.each(['exception', 'rejection'])(
    'an uncaught %s is one JSON line, flushed, and exit 1: not Node’s text on stderr',
    async (kind) => {
      const { pod, port } = await quietService({ DEBUG_ROUTES: 'true' });
      const response = await fetch(`http://127.0.0.1:${port}/debug/crash?kind=${kind}`, { method: 'POST' });
      expect(response.status).toBe(202);
      expect(await pod.exited).toMatchObject({ code: 1, signal: null });
      expect(pod.logs.at(-1)).toMatchObject({
        level: 'fatal',
        event: 'crash',
        msg: `crashed: crash asked for by POST /debug/crash (${kind})`,
        err: expect.objectContaining({ type: 'Error', stack: expect.stringContaining('/debug/crash') }),
      });
      expect(pod.logs.filter((l) => l.raw)).toEqual([]);
      expect(pod.stderr()).toBe('');
    },
  );
});
