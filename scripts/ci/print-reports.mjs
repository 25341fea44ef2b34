#!/usr/bin/env node
// Prints what the suites and the benchmark measured, from their reports under reports/, for .ci/run:
//   node scripts/ci/print-reports.mjs SECTION...   (targets, process, rollout, restart, bench, tests)
// A report that a section expects and cannot read is a failure: a FAILED line naming it and its writer,
// and exit 1, after every section asked for has been printed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { formatSummary } from '../../test/bench/report.mjs';
import { restartTable, summaryLine as restartSummary } from '../../test/support/restart/analysis.ts';
import { reportLines } from '../../test/support/rollout/report.ts';

const reports = new URL('../../reports/', import.meta.url);
const problems = [];

/** The report's JSON, or undefined and a problem that says who should have written it. */
function read(path, writer) {
  try {
    return JSON.parse(readFileSync(new URL(path, reports), 'utf8'));
  } catch (error) {
    const why = error.code === 'ENOENT' ? 'is missing' : `cannot be read (${error.message})`;
    problems.push(`reports/${path} ${why}; ${writer} writes it`);
    return undefined;
  }
}

/** The names of the reports in `dir`: the expected ones in their order (missing ones too), then any others. */
function namesIn(dir, expected) {
  let found = [];
  try {
    found = readdirSync(new URL(`${dir}/`, reports)).filter((file) => file.endsWith('.json'));
  } catch {
    // none: each expected one says so
  }
  const names = [...expected, ...found.map((file) => file.slice(0, -'.json'.length)).sort()];
  return [...new Set(names)];
}

// Who writes each report `npm test` must leave; test/support/measurements.ts names and shapes them.
const targetWriters = {
  'integration-database': 'test/support/db-global-setup.mjs',
  'process-database': 'test/process/database-shutdown.test.ts',
  'deploy-tools': 'test/support/deploy-tools-setup.mjs',
};
const processTests = ['termination-under-load', 'signals-and-exit-codes', 'database-shutdown', 'tracing'];

const sections = {
  targets() {
    for (const name of namesIn('targets', Object.keys(targetWriters))) {
      const target = read(`targets/${name}.json`, targetWriters[name] ?? 'a global setup or test');
      if (target) console.log(target.summary);
    }
  },
  process() {
    for (const name of namesIn('process', processTests)) {
      const report = read(`process/${name}.json`, `test/process/${name}.test.ts`);
      if (report && !report.measurements?.length) problems.push(`reports/process/${name}.json holds no measurement`);
      for (const measurement of report?.measurements ?? []) console.log(measurement.summary);
    }
  },
  rollout() {
    const report = read('rollout.json', 'test/rollout/rolling-restart.test.ts');
    if (report && !report.scenarios?.length) problems.push('reports/rollout.json holds no scenario');
    if (report) for (const line of reportLines(report)) console.log(line);
  },
  restart() {
    const report = read('restart.json', 'test/restart/one-host-restart.test.ts');
    if (report && !report.scenarios?.length) problems.push('reports/restart.json holds no scenario');
    if (!report) return;
    console.log(
      `restart database target: ${report.database}; socket activation by systemd-socket-activate ${report.socketActivate}`,
    );
    for (const scenario of report.scenarios) console.log(restartSummary(scenario));
    console.log(restartTable(report.scenarios));
  },
  bench() {
    const report = read('bench.json', 'test/bench/bench.mjs');
    if (!report) return;
    const { quick, strict } = report.settings;
    const label = `bench (${quick ? 'quick, not judged' : strict ? 'judged, --strict' : 'judged, informational'})`;
    for (const line of formatSummary(report.summary, report.settings).split('\n')) console.log(`${label}: ${line}`);
  },
  /** Both Jest runs' counts together; the rollout suite's is absent when npm test failed and it did not run. */
  tests() {
    const runs = [read('jest.json', '`npm test -- --json`')];
    for (const suite of ['rollout', 'restart']) {
      if (existsSync(new URL(`jest-${suite}.json`, reports)))
        runs.push(read(`jest-${suite}.json`, `\`npm run test:${suite} -- --json\``));
    }
    if (runs.includes(undefined)) return;
    const sum = (key) => runs.reduce((n, run) => n + run[key], 0);
    const skipped = sum('numPendingTests') + sum('numTodoTests');
    console.log(
      `tests: ${sum('numPassedTests')} passed, ${sum('numFailedTests')} failed` +
        (skipped ? `, ${skipped} skipped` : ''),
    );
    if (sum('numTotalTests') === 0) problems.push('no test ran');
  },
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !Object.hasOwn(sections, name));
if (asked.length === 0 || unknown.length) {
  console.error(`usage: print-reports.mjs SECTION... (of ${Object.keys(sections).join(', ')}); got ${asked.join(' ')}`);
  process.exit(2);
}
for (const name of asked) sections[name]();
for (const problem of problems) console.log(`FAILED: ${problem}`);
process.exitCode = problems.length ? 1 : 0;
