import { types } from 'node:util';
import { ProtocolError, type Reader, type Writer } from './buffers.js';
import { decodeCp1252, encodeCp1252 } from './cp1252.js';
import { readDatetime2, writeDatetime2 } from './datetime2.js';
import type { ColumnDef, SqlValue } from './engine.js';
import { isPlpColumn, MAX_LENGTH, type TypeInfo } from './type-info.js';

/**
 * Parameter and column values of the SQL Server test double, as the TYPE_INFO before them dictates: a
 * 1-byte length (0 = NULL) for INTN, BITN and DATETIME2N; a 2-byte length (0xFFFF = NULL) for the
 * character types; and for (max) types a PLP stream: an 8-byte total length (all ones = NULL, ...FE =
 * unknown), then chunks of a 4-byte length plus data, ended by a zero-length chunk.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/3f983fde-0509-485a-8c40-a9fa6679a828
 */

const CHARBIN_NULL = 0xffff;
const PLP_NULL = 0xffffffffffffffffn;
const UNKNOWN_PLP_LEN = 0xfffffffffffffffen;

/**
 * One parameter value. An 8-byte integer (bigint) becomes a `number` when Number.isSafeInteger holds
 * and a `bigint` otherwise; 1-byte ones are tinyint, hence unsigned.
 */
export function readValue(r: Reader, t: TypeInfo): SqlValue {
  switch (t.sqlType) {
    case 'int':
    case 'bigint':
      return readIntN(r);
    case 'bit': {
      const length = r.u8();
      if (length > 1) throw new ProtocolError(`BITN value length ${length}`);
      return length === 0 ? null : r.u8() !== 0;
    }
    case 'nvarchar':
    case 'varchar': {
      const bytes = t.maxLength === MAX_LENGTH ? readPlp(r) : readUsVarbyte(r);
      if (bytes === null) return null;
      if (t.sqlType === 'varchar') return decodeCp1252(bytes);
      if (bytes.length % 2 !== 0) throw new ProtocolError('nvarchar value has an odd number of bytes');
      return bytes.toString('utf16le');
    }
    case 'datetime2': {
      const length = r.u8();
      if (length === 0) return null;
      if (length !== t.maxLength) throw new ProtocolError(`datetime2(${t.scale}) value length ${length}`);
      return readDatetime2(r, t.scale);
    }
  }
}

function readIntN(r: Reader): number | bigint | null {
  const length = r.u8();
  switch (length) {
    case 0:
      return null;
    case 1:
      return r.u8();
    case 2:
      return r.i16le();
    case 4:
      return r.i32le();
    case 8: {
      const value = r.i64le();
      return Number.isSafeInteger(Number(value)) ? Number(value) : value;
    }
    default:
      throw new ProtocolError(`INTN value length ${length}`);
  }
}

function readUsVarbyte(r: Reader): Buffer | null {
  const length = r.u16le();
  return length === CHARBIN_NULL ? null : r.bytes(length);
}

function readPlp(r: Reader): Buffer | null {
  const total = r.u64le();
  if (total === PLP_NULL) return null;
  const chunks: Buffer[] = [];
  for (let length = r.u32le(); length !== 0; length = r.u32le()) chunks.push(r.bytes(length));
  const data = Buffer.concat(chunks);
  if (total !== UNKNOWN_PLP_LEN && BigInt(data.length) !== total) {
    throw new ProtocolError(`PLP value announced ${total} bytes and carried ${data.length}`);
  }
  return data;
}

/** One column value of a ROW token; throws RangeError/TypeError when the engine's value does not fit. */
export function writeValue(w: Writer, col: ColumnDef, value: SqlValue): void {
  const plp = isPlpColumn(col);
  if (value === null) {
    if (plp) w.u64le(PLP_NULL);
    else if (col.type === 'nvarchar' || col.type === 'varchar') w.u16le(CHARBIN_NULL);
    else w.u8(0);
    return;
  }
  const wrong = () => new TypeError(`column ${col.name} (${col.type}): cannot send ${typeof value} ${String(value)}`);
  switch (col.type) {
    case 'int': {
      const int = typeof value === 'bigint' ? Number(value) : value;
      if (typeof int !== 'number' || !Number.isInteger(int) || (int | 0) !== int) throw wrong();
      w.u8(4).i32le(int);
      return;
    }
    case 'bigint': {
      const big = typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string' ? value : null;
      if (big === null || (typeof big === 'number' && !Number.isSafeInteger(big))) throw wrong();
      w.u8(8).i64le(BigInt(big));
      return;
    }
    case 'bit':
      if (typeof value !== 'boolean' && value !== 0 && value !== 1) throw wrong();
      w.u8(1).u8(value ? 1 : 0);
      return;
    case 'nvarchar':
    case 'varchar': {
      if (typeof value !== 'string') throw wrong();
      if (col.length !== undefined && value.length > col.length) {
        throw new RangeError(`column ${col.name}: ${value.length} characters do not fit ${col.type}(${col.length})`);
      }
      const bytes = col.type === 'nvarchar' ? Buffer.from(value, 'utf16le') : encodeCp1252(value);
      if (!plp) w.u16le(bytes.length).bytes(bytes);
      else if (bytes.length === 0) w.u64le(0n).u32le(0);
      else w.u64le(BigInt(bytes.length)).u32le(bytes.length).bytes(bytes).u32le(0);
      return;
    }
    case 'datetime2':
      if (!types.isDate(value)) throw wrong(); // not instanceof: a Date may come from another realm
      writeDatetime2(w, value, col.scale ?? 3);
      return;
  }
}
