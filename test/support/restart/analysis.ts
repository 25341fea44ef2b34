import type { TrafficRecord } from '../rollout/traffic.js';

/** From the restart's trigger (SIGHUP or SIGTERM) until the old process is gone and the new one serves. */
export interface RestartWindow {
  readonly from: number;
  readonly to: number;
  /** The generation (or process) replaced, and how it exited. */
  readonly replaced: number;
  readonly exitCode: number | null;
}

/** Routes that answer at once; the slow ones (/debug/…) take 200–2000 ms by design and have no p99 to keep. */
const fastRoutes = new Set(['GET /', 'GET /orders/:id', 'POST /orders']);

/**
 * The first requests reach a process whose code has not been compiled yet (tens of ms each). They are
 * left out of both sides, so "outside" is the service warm; a new generation's cold start still counts,
 * inside the window of the restart that started it.
 */
export const warmUpMs = 500;

export interface LatencySummary {
  /** Requests of the fast routes begun in the first `warmUpMs` of the traffic: in neither count. */
  readonly warmUp: number;
  /** Requests of the fast routes in flight during a window (begun before it ended, ended after it began). */
  readonly inside: number;
  readonly outside: number;
  readonly p99InsideMs: number;
  readonly p99OutsideMs: number;
  /** p99 inside over p99 outside. */
  readonly ratio: number;
}

/** Nearest-rank percentile of `values` in milliseconds, 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export function latency(records: readonly TrafficRecord[], windows: readonly RestartWindow[]): LatencySummary {
  const trafficStart = Math.min(...records.map((r) => r.startedAt));
  const answered = records.filter((r) => fastRoutes.has(r.route) && r.status !== undefined);
  const fast = answered.filter((r) => r.startedAt >= trafficStart + warmUpMs);
  const during = (r: TrafficRecord) => windows.some((w) => r.startedAt < w.to && r.endedAt > w.from);
  const inside = fast.filter(during).map((r) => r.endedAt - r.startedAt);
  const outside = fast.filter((r) => !during(r)).map((r) => r.endedAt - r.startedAt);
  const p99InsideMs = round(percentile(inside, 99));
  const p99OutsideMs = round(percentile(outside, 99));
  return {
    warmUp: answered.length - fast.length,
    inside: inside.length,
    outside: outside.length,
    p99InsideMs,
    p99OutsideMs,
    ratio: p99OutsideMs > 0 ? Math.round((p99InsideMs / p99OutsideMs) * 100) / 100 : 0,
  };
}

/** Failed requests by what the client saw: `HTTP 503`, `ECONNRESET`, `ECONNREFUSED`, `TIMEOUT`, … */
export function failuresByKind(records: readonly TrafficRecord[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const r of records) {
    if (r.status !== undefined && r.status >= 200 && r.status < 300) continue;
    const kind = r.error ?? `HTTP ${r.status}`;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

export interface RestartResult {
  readonly scenario: string;
  /** What the scenario shows, in a line. */
  readonly description: string;
  readonly restarts: number;
  readonly requests: { readonly sent: number; readonly failed: number; readonly failedByKind: Record<string, number> };
  readonly writes: { readonly acknowledged: number; readonly readable: number; readonly lost: readonly string[] };
  /** How each replaced generation (or process) exited. */
  readonly exitCodes: ReadonlyArray<number | null>;
  readonly latency: LatencySummary;
  /** Longest window, trigger to the new one serving and the old one gone. */
  readonly maxWindowMs: number;
  /** Scenario-specific facts (the supervisor's pid throughout, a rollback's cause, …). */
  readonly facts: Readonly<Record<string, unknown>>;
}

/** What one scenario's load saw: every request, the acknowledged writes read back, the restart windows. */
export interface ScenarioLoad {
  readonly records: readonly TrafficRecord[];
  readonly writes: RestartResult['writes'];
  readonly windows: readonly RestartWindow[];
}

export function summarize(
  scenario: Pick<RestartResult, 'scenario' | 'description' | 'facts'>,
  { records, writes, windows }: ScenarioLoad,
): RestartResult {
  const failedByKind = failuresByKind(records);
  return {
    ...scenario,
    restarts: windows.length,
    requests: {
      sent: records.length,
      failed: Object.values(failedByKind).reduce((sum, n) => sum + n, 0),
      failedByKind,
    },
    writes,
    exitCodes: windows.map((w) => w.exitCode),
    latency: latency(records, windows),
    maxWindowMs: Math.round(Math.max(0, ...windows.map((w) => w.to - w.from))),
  };
}

const columns = [
  'scenario',
  'restarts',
  'requests',
  'failed',
  'writes acked / readable',
  'old exits',
  'p99 outside',
  'p99 during restarts',
  'ratio',
  'max restart window',
];

/** A Markdown table, a row a scenario, for the README's Proof section and CI's output. */
export function restartTable(results: readonly RestartResult[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const rows = results.map((r) => {
    const kinds = Object.entries(r.requests.failedByKind).map(([kind, n]) => `${kind} ${n}`);
    return [
      r.scenario,
      String(r.restarts),
      String(r.requests.sent),
      r.requests.failed === 0 ? '0' : `**${r.requests.failed}** (${kinds.join(', ')})`,
      `${r.writes.acknowledged} / ${r.writes.readable}`,
      r.exitCodes.map((c) => String(c)).join(' '),
      `${r.latency.p99OutsideMs} ms`,
      `${r.latency.p99InsideMs} ms`,
      String(r.latency.ratio),
      `${r.maxWindowMs} ms`,
    ];
  });
  return [line(columns), line(columns.map(() => '---')), ...rows.map(line)].join('\n');
}

export function summaryLine(r: RestartResult): string {
  const kinds = Object.entries(r.requests.failedByKind).map(([kind, n]) => `${kind} ${n}`);
  return (
    `restart ${r.scenario}: ${r.restarts} restart(s), ${r.requests.sent} requests, ${r.requests.failed} failed` +
    `${kinds.length ? ` (${kinds.join(', ')})` : ''}, ${r.writes.acknowledged} writes acknowledged, ${r.writes.readable} readable, ` +
    `old exits [${r.exitCodes.join(',')}], p99 ${r.latency.p99OutsideMs} ms outside, ${r.latency.p99InsideMs} ms during restarts (×${r.latency.ratio}), ` +
    `max window ${r.maxWindowMs} ms`
  );
}
