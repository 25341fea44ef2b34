// Startup-to-ready and idle memory of the built service: started fresh several times, each start timed
// from spawn to its `phase ready` line, then left idle before its RSS is read.
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild } from './children.mjs';
import { readRssBytes } from './proc.mjs';
import { median } from './report.mjs';

const idleBeforeRssMs = 2000;

export async function measureStartup(target, { starts, sinkPort }) {
  const samples = [];
  for (let i = 0; i < starts; i++) {
    const child = await startChild({ name: `${target.name} start ${i + 1}`, ...target.command({ sinkPort }) });
    await sleep(idleBeforeRssMs);
    samples.push({
      readyMs: child.readyMs,
      // The service's own count, from its lifecycle's creation in buildApp(): module loading and config
      // parsing come before it, so it is always below readyMs.
      serviceElapsedMs: typeof child.readyLine.elapsedMs === 'number' ? child.readyLine.elapsedMs : undefined,
      idleRssBytes: readRssBytes(child.pid),
    });
    await child.stop();
  }
  return {
    starts,
    readyMsMedian: median(samples.map((s) => s.readyMs)),
    serviceElapsedMsMedian: median(samples.map((s) => s.serviceElapsedMs)),
    idleRssBytesMedian: median(samples.map((s) => s.idleRssBytes)),
    samples,
  };
}
