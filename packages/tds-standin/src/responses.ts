import { Writer } from './buffers.js';
import type { SqlServerError, StatementResult } from './engine.js';
import { DEFAULT_PACKET_SIZE, LANGUAGE, SERVER_COLLATION } from './server-info.js';
import {
  colMetadata,
  done,
  DoneStatus,
  envChange,
  envChangeCollation,
  EnvChangeType,
  errorToken,
  infoToken,
  loginAck,
  returnStatus,
  row,
} from './tokens.js';

/**
 * Whole response payloads (one message each) of the SQL Server test double. Every client message gets
 * exactly one response message; an ATTENTION gets its own, after the response to the request it
 * interrupted. tedious depends on that pairing when it reads the attention acknowledgement.
 */

export type StatementKind = 'batch' | 'rpc';

/**
 * A batch ends each statement with DONE (DONE_MORE on all but the last). sp_executesql answers like any
 * RPC: DONEINPROC per statement, RETURNSTATUS 0, a final DONEPROC. tedious adds up the counts of all
 * three, so only the per-statement tokens carry DONE_COUNT.
 */
export function resultsResponse(kind: StatementKind, results: readonly StatementResult[]): Buffer {
  if (!Array.isArray(results)) throw new TypeError('engine.execute must resolve to an array of StatementResult');
  const w = new Writer();
  results.forEach((result, i) => {
    const { columns, rows = [], rowCount } = result;
    if (columns !== undefined && columns.length > 0) {
      colMetadata(w, columns);
      for (const values of rows) row(w, columns, values);
    } else if (rows.length > 0) {
      throw new TypeError(`statement ${i + 1} has rows but no columns`);
    }
    if (rowCount !== undefined && !(Number.isSafeInteger(rowCount) && rowCount >= 0)) {
      throw new RangeError(`statement ${i + 1} has rowCount ${rowCount}`);
    }
    if (kind === 'rpc') done(w, 'doneInProc', DoneStatus.More, rowCount);
    else done(w, 'done', i === results.length - 1 ? DoneStatus.Final : DoneStatus.More, rowCount);
  });
  if (kind === 'rpc') {
    returnStatus(w, 0);
    done(w, 'doneProc', DoneStatus.Final);
  } else if (results.length === 0) {
    done(w, 'done', DoneStatus.Final);
  }
  return w.toBuffer();
}

const finalDone = (kind: StatementKind): 'done' | 'doneProc' => (kind === 'rpc' ? 'doneProc' : 'done');

export function errorResponse(kind: StatementKind, errors: readonly SqlServerError[], serverName: string): Buffer {
  const w = new Writer();
  for (const e of errors) {
    errorToken(w, {
      number: e.number,
      state: e.state,
      severity: e.severity,
      message: e.message,
      serverName,
      procName: '',
      lineNumber: e.lineNumber,
    });
  }
  done(w, finalDone(kind), DoneStatus.Error);
  return w.toBuffer();
}

/**
 * The response to a request that an ATTENTION interrupted: whatever it produced is dropped, and
 * DONE_ERROR says it did not complete. The client discards it anyway while it waits for the ack.
 */
export function interruptedResponse(kind: StatementKind): Buffer {
  const w = new Writer();
  done(w, finalDone(kind), DoneStatus.Error);
  return w.toBuffer();
}

/** DONE with DONE_ATTN and nothing else: tedious's attention handler accepts no other token. */
export function attentionAck(): Buffer {
  const w = new Writer();
  done(w, 'done', DoneStatus.Attention);
  return w.toBuffer();
}

/**
 * A message the client ended with the IGNORE bit is answered with a single DONE_ERROR, no ack.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/dc28579f-49b1-4a78-9c5f-63fbda002d2e
 */
export const ignoredResponse = (): Buffer => interruptedResponse('batch');

export interface LoginDetails {
  readonly database: string;
  readonly packetSize: number;
  readonly serverName: string;
}

/** The tokens SQL Server sends after a successful LOGIN7, in its order. */
export function loginResponse({ database, packetSize, serverName }: LoginDetails): Buffer {
  const info = (number: number, state: number, message: string) => ({
    number,
    state,
    severity: 0,
    message,
    serverName,
    procName: '',
    lineNumber: 1,
  });
  const w = new Writer();
  envChange(w, EnvChangeType.Database, database, 'master');
  infoToken(w, info(5701, 2, `Changed database context to '${database}'.`));
  envChangeCollation(w, SERVER_COLLATION);
  envChange(w, EnvChangeType.Language, LANGUAGE, '');
  infoToken(w, info(5703, 1, `Changed language setting to ${LANGUAGE}.`));
  loginAck(w);
  envChange(w, EnvChangeType.PacketSize, String(packetSize), String(DEFAULT_PACKET_SIZE));
  done(w, 'done', DoneStatus.Final);
  return w.toBuffer();
}

/** ERROR token(s) and DONE with DONE_ERROR; the connection is closed afterwards. */
export const loginFailedResponse = (errors: readonly SqlServerError[], serverName: string): Buffer =>
  errorResponse('batch', errors, serverName);
