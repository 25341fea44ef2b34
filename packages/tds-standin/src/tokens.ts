import { Writer } from './buffers.js';
import type { ColumnDef, SqlValue } from './engine.js';
import { PROGRAM_NAME, SERVER_VERSION, TDS_7_4 } from './server-info.js';
import { writeTypeInfo } from './type-info.js';
import { writeValue } from './values.js';

/**
 * Writers for the response tokens the SQL Server test double sends; each appends one token to `w`.
 * Lengths and counts are little-endian unless a comment says otherwise.
 */

const Token = {
  ReturnStatus: 0x79,
  ColMetadata: 0x81,
  Error: 0xaa,
  Info: 0xab,
  LoginAck: 0xad,
  Row: 0xd1,
  EnvChange: 0xe3,
  Done: 0xfd,
  DoneProc: 0xfe,
  DoneInProc: 0xff,
} as const;

export const DoneStatus = { Final: 0x00, More: 0x01, Error: 0x02, Count: 0x10, Attention: 0x20 } as const;

export const EnvChangeType = { Database: 1, Language: 2, PacketSize: 4, SqlCollation: 7 } as const;

/** Tokens with a 2-byte length prefix: the body is built first so its size is known. */
function withLength(w: Writer, token: number, body: Writer): void {
  w.u8(token).u16le(body.length).bytes(body.toBuffer());
}

/**
 * ENVCHANGE with B_VARCHAR values (database, language, packet size): type byte, new value, old value.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/2b3eb7e5-d43d-4d1b-bf4d-76b9e3afc791
 */
export function envChange(w: Writer, type: number, newValue: string, oldValue: string): void {
  withLength(w, Token.EnvChange, new Writer().u8(type).bVarchar(newValue).bVarchar(oldValue));
}

/** ENVCHANGE type 7 carries B_VARBYTE values; the old one is empty at login. */
export function envChangeCollation(w: Writer, collation: Buffer): void {
  withLength(w, Token.EnvChange, new Writer().u8(EnvChangeType.SqlCollation).bVarbyte(collation).u8(0));
}

export interface ServerMessage {
  readonly number: number;
  readonly state: number;
  /** Severity; below 11 is informational. */
  readonly severity: number;
  readonly message: string;
  readonly serverName: string;
  readonly procName: string;
  readonly lineNumber: number;
}

/**
 * ERROR and INFO share a layout: number, state, class, US_VARCHAR text, B_VARCHAR server and procedure
 * names, a 4-byte line number.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/9805e9fa-1f8b-4cf8-8f78-8d2602228635
 */
function message(w: Writer, token: number, m: ServerMessage): void {
  const body = new Writer()
    .u32le(m.number)
    .u8(m.state)
    .u8(m.severity)
    .usVarchar(m.message)
    .bVarchar(m.serverName)
    .bVarchar(m.procName)
    .u32le(m.lineNumber);
  withLength(w, token, body);
}

export const errorToken = (w: Writer, m: ServerMessage): void => message(w, Token.Error, m);
export const infoToken = (w: Writer, m: ServerMessage): void => message(w, Token.Info, m);

/**
 * Interface 1 (T-SQL), the TDS version (big-endian, unlike the rest of the token), program name, and
 * the version as major, minor, build high byte, build low byte.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/490e563d-cc6e-4c86-bb95-ef0186b98032
 */
export function loginAck(w: Writer): void {
  const body = new Writer()
    .u8(1)
    .u32be(TDS_7_4)
    .bVarchar(PROGRAM_NAME)
    .u8(SERVER_VERSION.major)
    .u8(SERVER_VERSION.minor)
    .u8(SERVER_VERSION.build >> 8)
    .u8(SERVER_VERSION.build & 0xff);
  withLength(w, Token.LoginAck, body);
}

export type DoneKind = 'done' | 'doneInProc' | 'doneProc';
const doneToken: Record<DoneKind, number> = {
  done: Token.Done,
  doneInProc: Token.DoneInProc,
  doneProc: Token.DoneProc,
};

/**
 * DONE, DONEINPROC or DONEPROC: status, CurCmd, an 8-byte row count. DONE_COUNT is set exactly when a
 * row count is given.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/3c06f110-98bd-4d5b-b836-b1ba66452cb7
 */
export function done(w: Writer, kind: DoneKind, status: number, rowCount?: number): void {
  const count = rowCount === undefined ? 0 : DoneStatus.Count;
  w.u8(doneToken[kind])
    .u16le(status | count)
    .u16le(0) // CurCmd: clients do not evaluate it
    .u64le(BigInt(rowCount ?? 0));
}

/** https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/c719f199-e71b-4187-90b9-94f78bd1870e */
export function returnStatus(w: Writer, value: number): void {
  w.u8(Token.ReturnStatus).i32le(value);
}

/**
 * Column count, then per column a 4-byte user type, 2 bytes of flags, TYPE_INFO and a B_VARCHAR name.
 * Flag bit 0 is fNullable; usUpdateable (bits 2-3) says "unknown" (2) as for computed results.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/58880b9f-381c-43b2-bf8b-0727a98c4f4c
 */
export function colMetadata(w: Writer, columns: readonly ColumnDef[]): void {
  w.u8(Token.ColMetadata).u16le(columns.length);
  for (const col of columns) {
    w.u32le(0).u16le((col.nullable ? 0x01 : 0x00) | 0x08);
    writeTypeInfo(w, col);
    w.bVarchar(col.name);
  }
}

/**
 * The values of one row in column order, each as its TYPE_INFO dictates.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/3840ef93-3b10-4aca-9fd1-a210b8bb6d0c
 */
export function row(w: Writer, columns: readonly ColumnDef[], values: readonly SqlValue[]): void {
  if (values.length !== columns.length) {
    throw new RangeError(`a row has ${values.length} values for ${columns.length} columns`);
  }
  w.u8(Token.Row);
  columns.forEach((col, i) => writeValue(w, col, values[i] ?? null));
}
