// `npm run bench`: the built service's `GET /` against a bare Fastify hello world, with tracing off and
// on, in one run; then the service's startup-to-ready time and idle RSS. See options.mjs for settings.
// Exit 1 if any request failed (or, with --strict, if a ratio target was missed).
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { packagesReachableFrom, probeMetrics } from './build-features.mjs';
import { killAllChildrenNow, startChild, stopAllChildren } from './children.mjs';
import { formatProfileSummary, summariseProfile } from './cpu-profile.mjs';
import { measure } from './load.mjs';
import { readOptions, usage } from './options.mjs';
import { formatStartup, formatSummary, summarise, writeJson } from './report.mjs';
import { measureStartup } from './startup.mjs';
import {
  cpuProfileArgs,
  fromRoot,
  hasBuild,
  hasInstrumentation,
  instrumentationPath,
  service,
  serviceTracing,
  targets,
  traceSinkCommand,
  tracingTuning,
} from './targets.mjs';

const reportPath = fromRoot('reports/bench.json');
const profilesRoot = fromRoot('reports/cpu-profiles');

/** An empty directory for one run's CPU profiles, so a stale file from an earlier run is never read. */
function freshProfileDir(target, round) {
  const directory = join(profilesRoot, `${target.name.replace('+', '-')}-round${round}`);
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  return directory;
}

async function sinkStats(sink) {
  const response = await fetch(`http://127.0.0.1:${sink.appPort}/stats`);
  return response.json();
}

/** What the sink received between two snapshots: one target run's exports, flushed at its exit included. */
function sinkDelta(before, after) {
  return {
    exports: after.exports - before.exports,
    bytes: after.bytes - before.bytes,
    spans: after.spans - before.spans,
    undecoded: after.undecoded - before.undecoded,
  };
}

/** One round of one target: a fresh child, warmed up, measured, stopped before anything else runs. */
async function runTarget(target, round, { options, sink }) {
  const profileDir = options.profile.includes(target.name) ? freshProfileDir(target, round) : undefined;
  const command = target.command({ sinkPort: sink.appPort });
  const nodeArgs = profileDir ? [...cpuProfileArgs(profileDir), ...command.nodeArgs] : command.nodeArgs;
  const before = target.usesSink ? await sinkStats(sink) : undefined;

  const child = await startChild({ name: `${target.name} (round ${round})`, nodeArgs, env: command.env });
  const result = await measure(child, options, [sink.pid]);
  const metrics = child.adminPort ? await probeMetrics(child.adminPort) : undefined;
  const exit = await child.stop();

  const run = { target: target.name, round, ...result, exit, metrics };
  if (before) {
    const received = sinkDelta(before, await sinkStats(sink));
    run.sink = { ...received, spansPerRequest: received.spans / (result.requestsTotal + result.warmupRequests) };
  }
  if (profileDir) run.cpuProfileDir = profileDir;
  console.log(describeRun(run));
  return run;
}

function describeRun(run) {
  const parts = [
    `  round ${run.round} ${run.target}: ${run.requestsPerSecond.toFixed(0)} req/s`,
    `p99 ${run.latencyP99Ms} ms`,
    `failed ${run.errors + run.timeouts + run.non2xx}`,
    `CPU: server ${run.serverCpuPercent.toFixed(0)} %, bench ${run.loadGeneratorCpuPercent.toFixed(0)} %, ` +
      `sink ${run.helpersCpuPercent.toFixed(0)} %, other ${run.otherCpuPercent.toFixed(0)} %`,
    `exit ${run.exit.signal ?? run.exit.code}`,
  ];
  if (run.sink) parts.push(`sink: ${run.sink.spans} spans in ${run.sink.exports} exports`);
  return parts.join(', ');
}

/** Rounds alternate the order (A B C, C B A, …), so neither warming nor drift favours one target. */
async function runRounds(options, sink) {
  const runsByTarget = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= options.rounds; round++) {
    const order = round % 2 ? targets : [...targets].reverse();
    for (const target of order) runsByTarget[target.name].push(await runTarget(target, round, { options, sink }));
  }
  return runsByTarget;
}

function describeBuild() {
  const packages = packagesReachableFrom();
  const has = (name) => (packages.has(name) ? 'yes' : 'no');
  return {
    instrumentation: hasInstrumentation(),
    promClient: has('prom-client'),
    underPressure: has('@fastify/under-pressure'),
    fastifyOtel: has('@fastify/otel'),
  };
}

function printHeader(options, build) {
  console.log(
    `bench: autocannon, ${options.connections} connections, pipelining 1, ${options.warmupS} s warm-up + ` +
      `${options.durationS} s measured, ${options.rounds} round(s) per target (order alternates)` +
      `${options.quick ? ' [quick]' : ''}`,
  );
  console.log(
    `machine: ${availableParallelism()} CPUs shared by server, load generator and sink; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; node ${process.version}`,
  );
  console.log(
    `service: LOG_REQUESTS=false (the request path, not per-request logging), DRAIN_DELAY_MS=0 (shutdown only); ` +
      `build reaches prom-client: ${build.promClient}, @fastify/under-pressure: ${build.underPressure}, ` +
      `@fastify/otel: ${build.fastifyOtel}`,
  );
  if (build.instrumentation) {
    console.log(`service command: node --import ${relative(fromRoot('.'), instrumentationPath)} dist/main.js`);
  } else {
    console.log(
      `NOTE: ${relative(fromRoot('.'), instrumentationPath)} does not exist (yet): the service runs as ` +
        '`node dist/main.js`, so "service+tracing" has no OpenTelemetry SDK and measures the service without ' +
        'tracing; its result is n/a.',
    );
  }
  const tuning = Object.entries(tracingTuning()).map(([name, value]) => `${name}=${value}`);
  console.log(
    'service+tracing: OTLP http/protobuf to a trace sink in its own child process (node:http), which discards ' +
      `the bodies and counts the spans${tuning.length ? `; passed on: ${tuning.join(' ')}` : ''}\n`,
  );
}

function printResults(summary, startups, options, build) {
  console.log(`\n${formatSummary(summary, options)}`);
  console.log(
    `req/s: mean over the measured run (autocannon), best round reported with that round's p99; ratio = req/s ÷ bare's best.`,
  );
  console.log(
    'CPU columns, per wall second of the measured run (100 % = one core): the server child, the bench ' +
      '(autocannon), and the rest of the machine (another program, beyond a few % of kernel work, makes a round suspect).',
  );
  console.log(
    'server µs/req: server CPU time per request; × bare: that over bare Fastify’s (informational, no target).',
  );
  for (const run of summary.flatMap((s) => s.runs)) {
    if (run.metrics) {
      const { status, requestsCounted } = run.metrics;
      console.log(
        `  ${run.target} round ${run.round}: admin /metrics → ${status}` +
          (status === 200 ? `, http_request_duration_seconds_count total ${requestsCounted}` : ''),
      );
    }
    if (run.sink && build.instrumentation && run.sink.spans === 0) {
      console.log(`  WARNING: ${run.target} round ${run.round}: the sink received no spans; tracing did not export`);
    }
    if (run.sink) {
      console.log(
        `  ${run.target} round ${run.round}: sink received ${run.sink.exports} exports, ` +
          `${(run.sink.bytes / 2 ** 20).toFixed(1)} MiB, ${run.sink.spans} spans ` +
          `(${run.sink.spansPerRequest.toFixed(2)} per request incl. warm-up)` +
          (run.sink.undecoded ? `, ${run.sink.undecoded} bodies not decoded` : ''),
      );
    }
  }
  console.log('\nstartup (built service):');
  for (const [name, startup] of Object.entries(startups)) console.log(`  ${formatStartup(name, startup)}`);
}

/** Summarises the main thread's profile (the busiest one) of every profiled run; other threads in one line. */
function printProfiles(summary) {
  for (const run of summary.flatMap((s) => s.runs).filter((r) => r.cpuProfileDir)) {
    const profiles = readdirSync(run.cpuProfileDir)
      .filter((file) => file.endsWith('.cpuprofile'))
      .map((file) => ({ file, ...summariseProfile(JSON.parse(readFileSync(join(run.cpuProfileDir, file), 'utf8'))) }))
      .sort((a, b) => b.busyMs - a.busyMs);
    if (profiles.length === 0) continue;
    const [main, ...others] = profiles;
    console.log(`\nCPU profile of ${run.target} round ${run.round}: ${join(run.cpuProfileDir, main.file)}`);
    console.log('(whole child life: start, warm-up, measured run, stop; a profiled run’s req/s is not comparable)');
    for (const other of others) console.log(`other thread: ${other.file}, ${(other.busyMs / 1000).toFixed(1)} s busy`);
    console.log(formatProfileSummary(main, { requests: run.requestsTotal + run.warmupRequests }));
  }
}

/** 1 when a request failed; with --strict, also when a ratio target was missed. */
function exitCodeOf(summary, options) {
  if (summary.some((s) => s.failedRequests > 0)) return 1;
  if (options.strict && summary.some((s) => s.pass === false)) return 1;
  return 0;
}

async function main() {
  const options = readOptions();
  if (options.help) {
    console.log(usage);
    return 0;
  }
  if (!hasBuild()) throw new Error('dist/main.js not found: run `npm run build` first (npm run bench does)');
  const build = describeBuild();
  printHeader(options, build);

  const sink = await startChild({ name: 'trace sink', ...traceSinkCommand() });
  const runsByTarget = await runRounds(options, sink);
  const startups = {};
  for (const target of [service, serviceTracing]) {
    startups[target.name] = await measureStartup(target, { starts: options.starts, sinkPort: sink.appPort });
  }
  const sinkTotals = await sinkStats(sink);
  await sink.stop();

  // Without an SDK the tracing target measured no tracing: a PASS or FAIL against 0.70 would mislead.
  const judged = targets.map((t) =>
    t.usesSink && !build.instrumentation ? { ...t, minRatio: undefined, note: 'n/a: no SDK' } : t,
  );
  const summary = summarise(judged, runsByTarget);
  printResults(summary, startups, options, build);
  if (options.profile.length) printProfiles(summary);
  const { help: _help, ...settings } = options;
  writeJson(reportPath, {
    at: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    settings,
    build,
    bestOf: options.rounds,
    summary,
    startups,
    sinkTotals,
  });
  console.log(`\nwritten: ${reportPath}`);
  return exitCodeOf(summary, options);
}

// Children must not outlive the bench: stop them on Ctrl-C or SIGTERM, kill them on any other exit.
process.on('exit', killAllChildrenNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the children`);
    void stopAllChildren().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await stopAllChildren();
}
