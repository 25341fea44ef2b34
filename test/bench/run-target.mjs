// One round of one target: a fresh child (and, for the db targets, a fresh TDS stand-in), warmed up,
// measured, stopped before anything else runs; then what its trace sink received and what it printed.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { probeMetrics } from './build-features.mjs';
import { startChild } from './children.mjs';
import { measure } from './load.mjs';
import { accountSpans } from './spans.mjs';
import { createOrder, startStandin } from './standin.mjs';
import { cpuProfileArgs, fromRoot } from './targets.mjs';

const profilesRoot = fromRoot('reports/cpu-profiles');

/** An empty directory for one run's CPU profiles, so a stale file from an earlier run is never read. */
function freshProfileDir(target, round) {
  const directory = join(profilesRoot, `${target.name}-round${round}`);
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  return directory;
}

async function fromSink(sink, path) {
  const response = await fetch(`http://127.0.0.1:${sink.appPort}${path}`);
  return response.json();
}

export async function runTarget(target, round, { options, sink }) {
  const db = target.usesDb ? await startStandin(`TDS stand-in for ${target.name} (round ${round})`) : undefined;
  try {
    return await runServer(target, round, { options, sink, db });
  } finally {
    await db?.standin.stop();
  }
}

async function runServer(target, round, { options, sink, db }) {
  const traced = target.sampleRatio !== undefined;
  const profileDir = options.profile.includes(target.name) ? freshProfileDir(target, round) : undefined;
  const command = target.command({ sinkPort: sink.appPort, dbEnv: db?.dbEnv });
  const nodeArgs = profileDir ? [...cpuProfileArgs(profileDir), ...command.nodeArgs] : command.nodeArgs;
  if (traced) await fromSink(sink, '/traces'); // forget any trace an earlier child left
  const before = traced ? await fromSink(sink, '/stats') : undefined;

  const child = await startChild({ name: `${target.name} (round ${round})`, nodeArgs, env: command.env });
  // The db targets read one order, created through the service itself (one more request, traced too).
  const setupRequests = target.usesDb ? 1 : 0;
  const path = target.usesDb ? `/orders/${await createOrder(child.appPort)}` : '/';
  const helperPids = [sink.pid, ...(db ? [db.standin.pid] : [])];
  const result = await measure(child, { ...options, path }, helperPids);
  const metrics = child.adminPort ? await probeMetrics(child.adminPort) : undefined;
  const exit = await child.stop();

  const requests = result.requestsTotal + result.warmupRequests + setupRequests;
  const run = {
    target: target.name,
    round,
    path,
    ...result,
    exit,
    metrics,
    stdoutLinesPerRequest: child.logs.stdoutLinesAfterReady / requests,
    stdoutBytesPerRequest: child.logs.stdoutBytesAfterReady / requests,
    stderr: child.logs.stderr.slice(0, 4000),
  };
  if (traced) {
    const after = await fromSink(sink, '/stats');
    const { tracesBySpans } = await fromSink(sink, '/traces');
    run.sink = { exports: after.exports - before.exports, bytes: after.bytes - before.bytes };
    run.spans = accountSpans({
      received: after.spans - before.spans,
      tracesBySpans,
      requests,
      sampleRatio: target.sampleRatio,
      stderr: child.logs.stderr,
    });
  }
  if (profileDir) run.cpuProfileDir = profileDir;
  console.log(describeRun(run));
  return run;
}

function describeRun(run) {
  const parts = [
    `  round ${run.round} ${run.target}: ${run.serverCpuMicrosPerRequest.toFixed(1)} µs/req`,
    `${run.requestsPerSecond.toFixed(0)} req/s`,
    `p99 ${run.latencyP99Ms} ms`,
    `failed ${run.errors + run.timeouts + run.non2xx + run.warmupFailed}`,
    `CPU: server ${run.serverCpuPercent.toFixed(0)} %, bench ${run.loadGeneratorCpuPercent.toFixed(0)} %, ` +
      `helpers ${run.helpersCpuPercent.toFixed(0)} %, other ${run.otherCpuPercent.toFixed(0)} %`,
    `exit ${run.exit.signal ?? run.exit.code}`,
  ];
  if (run.spans) {
    const { received, spansPerRequest, expectedPerRequest, sdkDroppedSpans, missingSpans } = run.spans;
    parts.push(
      `sink: ${received} spans in ${run.sink.exports} exports, ${spansPerRequest.toFixed(3)}/req ` +
        `(expected ${expectedPerRequest.toFixed(3)}), SDK dropped ${sdkDroppedSpans}, missing at least ${missingSpans}`,
    );
  }
  return parts.join(', ');
}
