import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ScenarioResult } from './scenario-result.js';

// CI's scripts/ci/print-reports.mjs imports this file with Node itself, to print reports/rollout.json
// with the lines and the table below: erasable TypeScript only, and type-only imports of other files.

/** What the rolling-restart suite writes to reports/rollout.json. */
export interface RolloutReport {
  generatedAt: string;
  /** The HAProxy version, as `haproxy -v` prints it. */
  haproxy: string;
  /** Whether this run installed it (Debian's package) because it was missing. */
  haproxyInstalled?: boolean;
  /** Which database, in words. */
  database: string;
  settings: object;
  scenarios: ScenarioResult[];
}

/**
 * Writes straight to stdout: Jest indents console.log output and appends a stack location, while the
 * table must paste as Markdown.
 */
export const say = (text: string) => process.stdout.write(`${text}\n`);

/** `1 restart`, `3 restarts`. */
export const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const kinds = (result: ScenarioResult) => Object.entries(result.requests.failedByKind);
const sum = (result: ScenarioResult, count: 'failedConnects' | 'openAtRemoval') =>
  result.pods.reduce((total, pod) => total + pod[count], 0);
const exits = (result: ScenarioResult) => result.pods.map((pod) => pod.exitCode ?? pod.signal);

/** One line per scenario, starting with `rollout <scenario>:`. */
export function summaryLine(result: ScenarioResult): string {
  const { requests, writes } = result;
  const failed = kinds(result).map(([kind, count]) => `${kind} ${count}`);
  return (
    `rollout ${result.scenario}: ${plural(result.restarts, 'restart')} of ${plural(result.replicas, 'replica')}, ` +
    `${requests.sent} requests, ${requests.failed} failed${failed.length ? ` (${failed.join(', ')})` : ''}, ` +
    `${writes.acknowledged} writes acknowledged, ${writes.readable} readable, exits [${exits(result).join(',')}], ` +
    `SIGTERM→exit max ${result.maxSigtermToExitMs} ms, termination max ${result.maxTerminationMs} ms ` +
    `(grace period ${result.gracePeriodSeconds} s), ${result.killedAtGracePeriod} killed at grace period`
  );
}

const columns = [
  'scenario',
  'requests',
  'failed',
  'HTTP status',
  'ECONNRESET',
  'ECONNREFUSED',
  'timeout',
  'other',
  'conns refused by pods',
  'conns open at removal',
  'writes acked',
  'readable',
  'pod exit codes',
  'max SIGTERM→exit',
  'max termination',
  'killed at grace',
];

function row(result: ScenarioResult): string[] {
  const count = (kind: string) => String(result.requests.failedByKind[kind] ?? 0);
  const statuses = kinds(result).filter(([kind]) => kind.startsWith('HTTP '));
  const known = (kind: string) => kind.startsWith('HTTP ') || ['ECONNRESET', 'ECONNREFUSED', 'TIMEOUT'].includes(kind);
  const others = kinds(result).filter(([kind]) => !known(kind));
  const scenario = result.draining
    ? `PRESTOP_MODE=${result.prestopMode}`
    : `control: PRESTOP_MODE=${result.prestopMode}, no drain`;
  return [
    scenario,
    String(result.requests.sent),
    String(result.requests.failed),
    statuses.map(([kind, n]) => `${kind.slice(5)}×${n}`).join(' ') || '0',
    count('ECONNRESET'),
    count('ECONNREFUSED'),
    count('TIMEOUT'),
    others.map(([kind, n]) => `${kind}×${n}`).join(' ') || '0',
    String(sum(result, 'failedConnects')),
    String(sum(result, 'openAtRemoval')),
    String(result.writes.acknowledged),
    String(result.writes.readable),
    exits(result).join(' '),
    `${result.maxSigtermToExitMs} ms`,
    `${result.maxTerminationMs} ms / ${result.gracePeriodSeconds} s`,
    String(result.killedAtGracePeriod),
  ];
}

/** A Markdown table, one row per scenario. */
export function resultsTable(results: readonly ScenarioResult[]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...results.map((result) => line(row(result)))].join('\n');
}

/** A written report as the suite printed it: what it ran against, a summary line per scenario, the table. */
export function reportLines(report: RolloutReport): string[] {
  return [
    `rollout balancer: HAProxy ${report.haproxy} in TCP mode${report.haproxyInstalled ? ' (installed by this run)' : ''}`,
    `rollout database target: ${report.database}`,
    ...report.scenarios.map(summaryLine),
    resultsTable(report.scenarios),
  ];
}

export async function writeJsonReport(path: string, report: object): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
