// Turns the runs into the verdict: the best round of each target, its ratio to bare Fastify, pass or
// fail; then prints it as a table and writes it as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const failures = (run) => run.errors + run.timeouts + run.non2xx;

/**
 * Best round = most requests/s, with the p99 of that same round. Interference on a shared machine only
 * ever slows a round down, so the best one is the closest to what the code can do; every round is kept.
 */
export function summarise(targets, runsByTarget) {
  const best = (runs) => runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  const bare = best(runsByTarget.bare);
  return targets.map((target) => {
    const runs = runsByTarget[target.name];
    const chosen = best(runs);
    const ratio = chosen.requestsPerSecond / bare.requestsPerSecond;
    return {
      target: target.name,
      requestsPerSecond: chosen.requestsPerSecond,
      latencyP99Ms: chosen.latencyP99Ms,
      bestRound: chosen.round,
      roundsRequestsPerSecond: runs.map((r) => r.requestsPerSecond),
      failedRequests: runs.reduce((sum, r) => sum + failures(r), 0),
      errors: runs.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      ratioToBare: ratio,
      minRatio: target.minRatio,
      pass: target.minRatio === undefined ? undefined : ratio >= target.minRatio,
      note: target.note,
      serverCpuPercent: chosen.serverCpuPercent,
      serverCpuMicrosPerRequest: chosen.serverCpuMicrosPerRequest,
      cpuPerRequestToBare: chosen.serverCpuMicrosPerRequest / bare.serverCpuMicrosPerRequest,
      loadGeneratorCpuPercent: chosen.loadGeneratorCpuPercent,
      otherCpuPercent: chosen.otherCpuPercent,
      runs,
    };
  });
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((cell, i) => String(cell).padStart(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const fixed = (n, digits = 0) => (typeof n === 'number' ? n.toFixed(digits) : 'n/a');
const megabytes = (bytes) => (typeof bytes === 'number' ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : 'n/a');

export function formatSummary(summary, { rounds }) {
  const header = [
    'target',
    `req/s (best of ${rounds})`,
    'rounds req/s',
    'p99 ms',
    'errors',
    'non-2xx',
    'ratio',
    'target',
    'result',
    'server CPU',
    'bench CPU',
    'other CPU',
    'server µs/req',
    '× bare',
  ];
  const rows = summary.map((s) => [
    s.target,
    fixed(s.requestsPerSecond),
    s.roundsRequestsPerSecond.map((r) => fixed(r)).join(' / '),
    fixed(s.latencyP99Ms, 1),
    s.errors,
    s.non2xx,
    fixed(s.ratioToBare, 3),
    s.minRatio === undefined ? '' : `≥ ${s.minRatio.toFixed(2)}`,
    s.pass === undefined ? (s.note ?? '') : s.pass ? 'PASS' : 'FAIL',
    `${fixed(s.serverCpuPercent)} %`,
    `${fixed(s.loadGeneratorCpuPercent)} %`,
    `${fixed(s.otherCpuPercent)} %`,
    fixed(s.serverCpuMicrosPerRequest, 1),
    fixed(s.cpuPerRequestToBare, 2),
  ]);
  return table(header, rows);
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
