// `npm run bench`: what the service costs per request against what a user would pick instead (bare
// Fastify, Fastify's logger, OpenTelemetry as its docs set it up), with its request log on and off,
// traced at 100, 10 and 1 %, and on a route that queries the database; then its startup-to-ready time
// and idle RSS. See options.mjs for settings, targets.mjs for the targets.
// Exit 1 if any request failed or a traced target exported nothing (or, with --strict outside --quick,
// if a ratio target was missed).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { packagesReachableFrom } from './build-features.mjs';
import { killAllChildrenNow, startChild, stopAllChildren } from './children.mjs';
import { formatProfileSummary, summariseProfile } from './cpu-profile.mjs';
import { readOptions, usage } from './options.mjs';
import { formatMarkdown, formatStartup, formatSummary, summarise, writeJson } from './report.mjs';
import { runTarget } from './run-target.mjs';
import { hasStandin } from './standin.mjs';
import { measureStartup } from './startup.mjs';
import {
  fromRoot,
  hasBuild,
  hasInstrumentation,
  instrumentationPath,
  targetNamed,
  traceSinkCommand,
  tracingTuning,
} from './targets.mjs';

const reportPath = fromRoot('reports/bench.json');
const markdownPath = fromRoot('reports/bench.md');

/** Rounds alternate the order (A B C, C B A, …), so neither warming nor drift favours one target. */
async function runRounds(targets, options, sink) {
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

function printHeader(options, build, targets) {
  console.log(
    `bench: autocannon, ${options.connections} connections, pipelining 1, ${options.warmupS} s warm-up + ` +
      `${options.durationS} s measured, ${options.rounds} round(s) per target (order alternates), each run ` +
      `a fresh child process${options.quick ? ' [quick: ratios printed, not judged]' : ''}`,
  );
  console.log(
    `machine: ${availableParallelism()} CPUs shared by server, load generator, sink and stand-in; load average ` +
      `${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; node ${process.version}`,
  );
  console.log(
    `service build reaches prom-client: ${build.promClient}, @fastify/under-pressure: ${build.underPressure}, ` +
      `@fastify/otel: ${build.fastifyOtel}; DRAIN_DELAY_MS=0 (shutdown only)`,
  );
  const root = fromRoot('.');
  if (build.instrumentation) {
    console.log(`service command: node --import ${relative(root, instrumentationPath)} dist/main.js`);
  } else {
    console.log(
      `NOTE: ${relative(root, instrumentationPath)} does not exist (yet): the service runs as ` +
        '`node dist/main.js`, so its traced targets have no OpenTelemetry SDK; their results are n/a.',
    );
  }
  const tuning = Object.entries(tracingTuning()).map(([name, value]) => `${name}=${value}`);
  console.log(
    'traced targets: OTLP http/protobuf to a trace sink in its own child process (node:http), which discards ' +
      `the bodies and counts the spans of each trace${tuning.length ? `; passed on: ${tuning.join(' ')}` : ''}`,
  );
  console.log(
    "stdout of every child: a pipe the bench drains without parsing (as a container runtime reads a container's)",
  );
  for (const t of targets) console.log(`  ${t.name}: logging ${t.logging}; tracing ${t.tracing}; GET ${t.path ?? '/'}`);
  console.log('');
}

function printResults(summary, startups, options) {
  console.log(`\n${formatSummary(summary, options)}`);
  console.log(
    'µs/req: CPU time (user + system, all threads, /proc/<pid>/stat) of the server child during the measured ' +
      'run ÷ requests answered in it; median over rounds. ratio: the baseline’s median ÷ this median ' +
      '(bare unless named; 1.0 is as cheap, 0.5 twice as costly). req/s: median, informational on a shared machine.',
  );
  console.log(
    'spans/req of expected: spans the sink received per request answered (warm-up included) against a whole ' +
      "trace's spans × the sampling ratio; dropped: the SDK's own count (its maxQueueSize warning) and spans missing " +
      'beyond chance.',
  );
  for (const run of summary.flatMap((s) => s.runs)) {
    if (run.metrics && run.metrics.status !== 200) {
      console.log(`  ${run.target} round ${run.round}: admin /metrics → ${run.metrics.status}`);
    }
    if (run.spans) {
      const shape = Object.entries(run.spans.tracesBySpans)
        .sort(([, a], [, b]) => b - a)
        .map(([spans, traces]) => `${traces}×${spans}`)
        .join(' ');
      console.log(
        `  ${run.target} round ${run.round}: sink ${run.sink.exports} exports, ${(run.sink.bytes / 2 ** 20).toFixed(1)} ` +
          `MiB, ${run.spans.received} spans in ${run.spans.traces} traces (traces×spans: ${shape})`,
      );
    }
    if (run.stderr) console.log(`  ${run.target} round ${run.round} stderr: ${run.stderr.trim().split('\n')[0]}`);
  }
  for (const s of summary.filter((s) => s.spans?.roundsDropped)) {
    console.log(
      `WARNING: ${s.target} lost spans in ${s.spans.roundsDropped} of ${s.rounds} round(s): its CPU per request ` +
        'leaves out exporting them (OTEL_BSP_MAX_QUEUE_SIZE and OTEL_BSP_* are passed on)',
    );
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
    console.log('(whole child life: start, warm-up, measured run, stop; a profiled run’s numbers are not comparable)');
    for (const other of others) console.log(`other thread: ${other.file}, ${(other.busyMs / 1000).toFixed(1)} s busy`);
    console.log(formatProfileSummary(main, { requests: run.requestsTotal + run.warmupRequests }));
  }
}

/** Runs of a traced target that should have exported (enough sampled requests) but sent the sink nothing. */
const silentTracedRuns = (summary, targets) =>
  summary
    .filter((s) => !targets.find((t) => t.name === s.target).note)
    .flatMap((s) => s.runs)
    .filter((r) => r.spans && r.spans.received === 0)
    .filter((r) => (r.requestsTotal + r.warmupRequests) * targetNamed(r.target).sampleRatio >= 20);

/** 1 when a request failed or tracing exported nothing; with --strict (not --quick), also when a check failed. */
function exitCodeOf(summary, options, silent) {
  if (summary.some((s) => s.failedRequests > 0)) return 1;
  if (silent.length) return 1;
  if (options.strict && !options.quick && summary.some((s) => s.pass === false)) return 1;
  return 0;
}

async function main() {
  const options = readOptions();
  if (options.help) {
    console.log(usage);
    return 0;
  }
  if (!hasBuild()) throw new Error('dist/main.js not found: run `npm run build` first (npm run bench does)');
  // Without an SDK the service's traced targets measure no tracing: a PASS or FAIL would mislead.
  const targets = options.targets
    .map(targetNamed)
    .map((t) => (t.serviceTracing && !hasInstrumentation() ? { ...t, note: 'n/a: no SDK' } : t));
  if (targets.some((t) => t.usesDb) && !hasStandin()) {
    throw new Error('the TDS stand-in is not built: run `npm run build:standin` first (npm run bench does)');
  }
  const build = describeBuild();
  printHeader(options, build, targets);

  const sink = await startChild({ name: 'trace sink', ...traceSinkCommand() });
  const runsByTarget = await runRounds(targets, options, sink);
  const startups = {};
  for (const target of ['service', 'service-tracing-100'].map(targetNamed)) {
    startups[target.name] = await measureStartup(target, { starts: options.starts, sinkPort: sink.appPort });
  }
  const sinkTotals = await (await fetch(`http://127.0.0.1:${sink.appPort}/stats`)).json();
  await sink.stop();

  const summary = summarise(targets, runsByTarget, { judge: !options.quick });
  printResults(summary, startups, options);
  if (options.profile.length) printProfiles(summary);
  const silent = silentTracedRuns(summary, targets);
  for (const run of silent) console.log(`FAILED: ${run.target} round ${run.round}: the sink received no spans`);
  const markdown = formatMarkdown(summary);
  console.log(`\nMarkdown (${relative(fromRoot('.'), markdownPath)}):\n\n${markdown}`);
  const { help: _help, ...settings } = options;
  writeJson(reportPath, {
    at: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    loadAverageAtEnd: loadavg(),
    settings,
    build,
    summary,
    startups,
    sinkTotals,
  });
  writeFileSync(markdownPath, `${markdown}\n`);
  console.log(`\nwritten: ${reportPath}`);
  return exitCodeOf(summary, options, silent);
}

// Children must not outlive the bench: stop them on Ctrl-C or SIGTERM, kill them on any other exit.
let interrupted = false;
process.on('exit', killAllChildrenNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping the children`);
    void stopAllChildren().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

try {
  process.exitCode = await main();
} catch (error) {
  // Once interrupted, the run in progress fails as its children go: that is no news.
  if (!interrupted) console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
} finally {
  await stopAllChildren();
}
