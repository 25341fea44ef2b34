// Turns the runs into the verdict: per target the median over rounds of the server's CPU time per
// request, its ratio to a baseline's median, the checks, PASS or FAIL; then prints it as a table (for
// the terminal, and in Markdown for the README) and writes it as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function median(values) {
  const known = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (known.length === 0) return undefined;
  const mid = Math.floor(known.length / 2);
  return known.length % 2 ? known[mid] : (known[mid - 1] + known[mid]) / 2;
}

const failures = (run) => run.errors + run.timeouts + run.non2xx + run.warmupFailed;
const sum = (values) => values.reduce((a, b) => a + b, 0);

/** Over a traced target's rounds: spans per request (median), the trace shape, what was lost. */
function spansSummary(runs) {
  const accounts = runs.map((r) => r.spans).filter(Boolean);
  if (accounts.length === 0) return undefined;
  return {
    spansPerRequestMedian: median(accounts.map((a) => a.spansPerRequest)),
    expectedPerRequestMedian: median(accounts.map((a) => a.expectedPerRequest)),
    spansPerTrace: median(accounts.map((a) => a.spansPerTrace)),
    sdkDroppedSpans: sum(accounts.map((a) => a.sdkDroppedSpans)),
    missingSpans: sum(accounts.map((a) => a.missingSpans)),
    roundsDropped: accounts.filter((a) => a.dropped).length,
  };
}

/**
 * `judge`: false in --quick runs (one short round: ratios printed, not judged). A target without a
 * measurement that means what it says (`note`, e.g. no SDK) is not judged either.
 */
export function summarise(targets, runsByTarget, { judge }) {
  const cpuMedian = (name) => median(runsByTarget[name].map((r) => r.serverCpuMicrosPerRequest));
  return targets.map((target) => {
    const runs = runsByTarget[target.name];
    const cpu = cpuMedian(target.name);
    const ratioTo = target.ratioTo ?? 'bare';
    const judged = judge && !target.note;
    const checks = (target.checks ?? []).map(({ baseline, min, exclusive = false }) => {
      const value = cpuMedian(baseline) / cpu;
      return { baseline, min, exclusive, value, pass: judged ? (exclusive ? value > min : value >= min) : undefined };
    });
    return {
      target: target.name,
      logging: target.logging,
      tracing: target.tracing,
      path: target.path ?? '/',
      note: target.note,
      rounds: runs.length,
      serverCpuMicrosPerRequestMedian: cpu,
      roundsServerCpuMicrosPerRequest: runs.map((r) => r.serverCpuMicrosPerRequest),
      ratioTo,
      ratio: cpuMedian(ratioTo) / cpu,
      requestsPerSecondMedian: median(runs.map((r) => r.requestsPerSecond)),
      roundsRequestsPerSecond: runs.map((r) => r.requestsPerSecond),
      latencyP99MsMedian: median(runs.map((r) => r.latencyP99Ms)),
      serverCpuPercentMedian: median(runs.map((r) => r.serverCpuPercent)),
      loadGeneratorCpuPercentMedian: median(runs.map((r) => r.loadGeneratorCpuPercent)),
      otherCpuPercentMedian: median(runs.map((r) => r.otherCpuPercent)),
      stdoutLinesPerRequestMedian: median(runs.map((r) => r.stdoutLinesPerRequest)),
      failedRequests: sum(runs.map(failures)),
      errors: sum(runs.map((r) => r.errors + r.timeouts)),
      non2xx: sum(runs.map((r) => r.non2xx)),
      spans: spansSummary(runs),
      checks,
      pass: checks.length && judged ? checks.every((c) => c.pass) : undefined,
      runs,
    };
  });
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((cell, i) => String(cell).padStart(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const fixed = (n, digits = 0) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const thousands = (n) => (typeof n === 'number' ? Math.round(n).toLocaleString('en-US') : 'n/a');
const megabytes = (bytes) => (typeof bytes === 'number' ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : 'n/a');
const ratioCell = (s) => `${fixed(s.ratio, 2)}${s.ratioTo === 'bare' ? '' : ` (to ${s.ratioTo})`}`;

function droppedCell(spans) {
  if (!spans) return '';
  if (spans.roundsDropped === 0) return 'none';
  const parts = [];
  if (spans.sdkDroppedSpans) parts.push(`${spans.sdkDroppedSpans} (SDK)`);
  if (spans.missingSpans) parts.push(`≥ ${spans.missingSpans} missing`);
  return parts.join(', ');
}

const spansCell = (spans) =>
  spans ? `${fixed(spans.spansPerRequestMedian, 2)} of ${fixed(spans.expectedPerRequestMedian, 2)}` : '';

/** "bare µs ÷ service µs 0.81 ≥ 0.75 PASS" */
function describeCheck(target, check) {
  const verdict = check.pass === undefined ? 'not judged' : check.pass ? 'PASS' : 'FAIL';
  return `${check.baseline} µs ÷ ${target} µs = ${fixed(check.value, 2)} ${check.exclusive ? '>' : '≥'} ${check.min} ${verdict}`;
}

export function formatChecks(summary) {
  return summary
    .filter((s) => s.checks.length)
    .map(
      (s) =>
        `${s.target}: ${s.checks.map((c) => describeCheck(s.target, c)).join('; ')}${s.note ? ` (${s.note})` : ''}`,
    );
}

export function formatSummary(summary, { rounds }) {
  const header = [
    'target',
    `µs/req (median of ${rounds})`,
    'rounds µs/req',
    'ratio',
    'req/s (median)',
    'rounds req/s',
    'p99 ms',
    'failed',
    'log lines/req',
    'spans/req of expected',
    'dropped',
    'result',
  ];
  const rows = summary.map((s) => [
    s.target,
    fixed(s.serverCpuMicrosPerRequestMedian, 1),
    s.roundsServerCpuMicrosPerRequest.map((r) => fixed(r, 1)).join(' / '),
    ratioCell(s),
    fixed(s.requestsPerSecondMedian),
    s.roundsRequestsPerSecond.map((r) => fixed(r)).join(' / '),
    fixed(s.latencyP99MsMedian, 1),
    s.failedRequests,
    fixed(s.stdoutLinesPerRequestMedian, 2),
    spansCell(s.spans),
    droppedCell(s.spans),
    s.pass === undefined ? (s.note ?? '') : s.pass ? 'PASS' : 'FAIL',
  ]);
  return [table(header, rows), ...formatChecks(summary)].join('\n');
}

/** The table the README's "What it costs" takes, and the judged targets under it. */
export function formatMarkdown(summary) {
  const rows = [
    '| target | logging | tracing | server CPU per request | ratio | req/s | spans per request |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
    ...summary.map((s) => {
      const path = s.path === '/' ? '' : ` \`GET ${s.path}\``;
      const spans = s.spans
        ? `${fixed(s.spans.spansPerRequestMedian, 2)} (${s.spans.spansPerTrace} per trace), dropped: ${droppedCell(s.spans)}`
        : '';
      const lines =
        s.stdoutLinesPerRequestMedian >= 0.01 ? `, ${fixed(s.stdoutLinesPerRequestMedian, 2)} lines/request` : '';
      return (
        `| \`${s.target}\`${path} | ${s.logging}${lines} | ${s.tracing} | ${fixed(s.serverCpuMicrosPerRequestMedian, 1)} µs | ` +
        `${ratioCell(s)} | ${thousands(s.requestsPerSecondMedian)} | ${spans} |`
      );
    }),
  ];
  const checks = formatChecks(summary).map((line) => `- ${line}`);
  return [...rows, '', ...checks].join('\n');
}

export function formatStartup(name, startup) {
  const elapsed = startup.serviceElapsedMsMedian;
  return (
    `${name}: spawn → "phase ready" ${fixed(startup.readyMsMedian)} ms` +
    (elapsed === undefined ? '' : ` (the service's own elapsedMs: ${fixed(elapsed)} ms)`) +
    `; idle RSS ${megabytes(startup.idleRssBytesMedian)} — median of ${startup.starts} starts`
  );
}

export function writeJson(path, report) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
