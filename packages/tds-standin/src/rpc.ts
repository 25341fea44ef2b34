import { skipAllHeaders } from './all-headers.js';
import { Reader } from './buffers.js';
import type { SqlServerError, SqlType, SqlValue } from './engine.js';
import { notSupportedByStandin, unsupportedParameterType } from './sql-errors.js';
import { readTypeInfo, UnsupportedTypeError } from './type-info.js';
import { readValue } from './values.js';

/**
 * An RPC request (packet type 0x03) as the SQL Server test double reads it: ALL_HEADERS, the procedure
 * as a US_VARCHAR name or as 0xFFFF plus a well-known ProcID (tedious sends sp_executesql as ProcID
 * 10), 2 bytes of option flags, then per parameter a B_VARCHAR name, a status byte (bit 0 = OUTPUT),
 * TYPE_INFO and the value.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/619c43b6-9495-4a58-9e49-a4950db245b3
 */

export interface RpcParam {
  /** Without the leading `@`; empty for a positional parameter. */
  readonly name: string;
  readonly output: boolean;
  readonly type: SqlType;
  readonly value: SqlValue;
}

export interface RpcCall {
  /** As the client named it, or SQL Server's name for the ProcID. */
  readonly procedure: string;
  readonly isExecuteSql: boolean;
  /** Only read for sp_executesql: other procedures are refused before their parameters matter. */
  readonly params: readonly RpcParam[];
  /** Set when reading stopped at a parameter the stand-in cannot decode. */
  readonly unreadable?: SqlServerError;
}

const PROC_ID_SWITCH = 0xffff;
const SP_EXECUTESQL = 10;
const procIdNames = [
  '',
  'sp_cursor',
  'sp_cursoropen',
  'sp_cursorprepare',
  'sp_cursorexecute',
  'sp_cursorprepexec',
  'sp_cursorunprepare',
  'sp_cursorfetch',
  'sp_cursoroption',
  'sp_cursorclose',
  'sp_executesql',
  'sp_prepare',
  'sp_execute',
  'sp_prepexec',
  'sp_prepexecrpc',
  'sp_unprepare',
];

/** `sp_executesql`, `sys.sp_executesql`, `[master].[sys].[sp_executesql]`, in any case. */
function namesExecuteSql(name: string): boolean {
  const last = name.split('.').pop() ?? '';
  return last.replace(/^\[|\]$/g, '').toLowerCase() === 'sp_executesql';
}

/** Throws ProtocolError for bytes that are not an RPC request at all. */
export function parseRpc(payload: Buffer): RpcCall {
  const r = new Reader(payload);
  skipAllHeaders(r);
  const nameLength = r.u16le();
  const procId = nameLength === PROC_ID_SWITCH ? r.u16le() : undefined;
  const procedure = procId === undefined ? r.ucs2(nameLength) : (procIdNames[procId] ?? `ProcID ${procId}`);
  r.u16le(); // OptionFlags: recompile / metadata hints that do not change the results
  const isExecuteSql = procId === undefined ? namesExecuteSql(procedure) : procId === SP_EXECUTESQL;
  if (!isExecuteSql) return { procedure, isExecuteSql, params: [] };

  const params: RpcParam[] = [];
  while (r.remaining > 0) {
    const next = payload.readUInt8(r.offset);
    // BatchFlag / NoExecFlag: several RPCs in one message, which tedious never sends.
    if (next === 0xff || next === 0x80) {
      return { procedure, isExecuteSql, params, unreadable: notSupportedByStandin('several RPCs in one request') };
    }
    const name = r.bVarchar().replace(/^@/, '');
    const status = r.u8();
    try {
      const type = readTypeInfo(r);
      params.push({ name, output: (status & 0x01) !== 0, type: type.sqlType, value: readValue(r, type) });
    } catch (error) {
      if (!(error instanceof UnsupportedTypeError)) throw error;
      const unreadable = unsupportedParameterType(params.length + 1, name, error.wire);
      return { procedure, isExecuteSql, params, unreadable };
    }
  }
  return { procedure, isExecuteSql, params };
}
