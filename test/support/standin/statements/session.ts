import { pingStatement } from '../../../../src/db/ping.js';
import { debugStatements } from '../../../../src/debug/statements.js';
import { SqlServerError, type StatementRequest, type StatementResult } from 'tds-standin';
import { column, int } from './params.js';

type Handler = (request: StatementRequest) => StatementResult[] | Promise<StatementResult[]>;

/** Waits like WAITFOR DELAY; ATTENTION (or a closed connection) ends the wait, as on SQL Server. */
async function waitFor(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
  if (signal.aborted) throw new SqlServerError(3980, 'The request failed to run because the batch is aborted.');
}

export const exactSessionHandlers: Array<[string, Handler]> = [
  [pingStatement.sql, () => [{ columns: [column('ok', 'int')], rows: [[1]], rowCount: 1 }]],
  [
    debugStatements.delay.sql,
    async (request) => {
      const ms = int(request, 'ms');
      await waitFor(ms, request.signal);
      return [{ columns: [column('delayedMs', 'int')], rows: [[ms]], rowCount: 1 }];
    },
  ],
];

const literalWaitFor = /^waitfor\s+delay\s+'(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?'\s*;?$/i;
const selectOne = /^select\s+1(?:\s+as\s+\[?(\w+)\]?)?\s*;?$/i;

/** Statements a person or a driver sends that are not the repository's: the session set-up, probes. */
export function matchSessionStatement(request: StatementRequest): Handler | undefined {
  const sql = request.text.trim();
  // tedious's first batch after login: `set textsize …`, `set quoted_identifier on`, … one per line.
  const lines = sql
    .split(/[\n;]+/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length > 0 && lines.every((l) => /^set\s+\w+/i.test(l))) return () => [];
  const one = selectOne.exec(sql);
  if (one) return () => [{ columns: [column(one[1] ?? '', 'int')], rows: [[1]], rowCount: 1 }];
  const wait = literalWaitFor.exec(sql);
  if (wait) {
    const [, h, m, s, frac = '0'] = wait;
    const ms = ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(frac.padEnd(3, '0'));
    return async (r) => {
      await waitFor(ms, r.signal);
      return [];
    };
  }
  return undefined;
}
