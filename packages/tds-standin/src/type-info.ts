import { ProtocolError, type Reader, type Writer } from './buffers.js';
import { timeLength } from './datetime2.js';
import type { ColumnDef, SqlType } from './engine.js';
import { SERVER_COLLATION } from './server-info.js';

/**
 * TYPE_INFO for the SQL Server test double: a type byte, then a length (1 byte for INTN/BITN, 2 bytes
 * for the character types, where 0xFFFF means a (max) type sent as PLP), a 5-byte collation for the
 * character types, or just a scale for DATETIME2N.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/cbe9c510-eae6-4b1f-9893-a098944d430a
 */

export const WireType = { IntN: 0x26, BitN: 0x68, NVarChar: 0xe7, BigVarChar: 0xa7, DateTime2N: 0x2a } as const;

/** USHORTMAXLEN: the length of a (max) type, whose values are PLP streams. */
export const MAX_LENGTH = 0xffff;

export interface TypeInfo {
  readonly wire: number;
  readonly sqlType: SqlType;
  /** Bytes: 1/2/4/8 for INTN, 1 for BITN, the declared byte length or MAX_LENGTH for character types. */
  readonly maxLength: number;
  readonly scale: number;
}

/** A parameter type the stand-in does not implement; the caller answers SQL Server's error 8016. */
export class UnsupportedTypeError extends Error {
  constructor(readonly wire: number) {
    super(`data type 0x${wire.toString(16).toUpperCase().padStart(2, '0')} is unknown`);
  }
}

export function readTypeInfo(r: Reader): TypeInfo {
  const wire = r.u8();
  switch (wire) {
    case WireType.IntN: {
      const maxLength = r.u8();
      if (![1, 2, 4, 8].includes(maxLength)) throw new ProtocolError(`INTN length ${maxLength}`);
      return { wire, sqlType: maxLength === 8 ? 'bigint' : 'int', maxLength, scale: 0 };
    }
    case WireType.BitN: {
      const maxLength = r.u8();
      if (maxLength !== 1) throw new ProtocolError(`BITN length ${maxLength}`);
      return { wire, sqlType: 'bit', maxLength, scale: 0 };
    }
    case WireType.NVarChar:
    case WireType.BigVarChar: {
      const maxLength = r.u16le();
      r.bytes(5); // the collation; the stand-in decodes varchar with the one it announced
      return { wire, sqlType: wire === WireType.NVarChar ? 'nvarchar' : 'varchar', maxLength, scale: 0 };
    }
    case WireType.DateTime2N: {
      const scale = r.u8();
      if (scale > 7) throw new ProtocolError(`DATETIME2N scale ${scale}`);
      return { wire, sqlType: 'datetime2', maxLength: timeLength(scale) + 3, scale };
    }
    default:
      throw new UnsupportedTypeError(wire);
  }
}

/** Whether a column's values travel as PLP: nvarchar/varchar without a length, or too long for 8000 bytes. */
export function isPlpColumn(col: ColumnDef): boolean {
  if (col.type === 'nvarchar') return col.length === undefined || col.length > 4000;
  if (col.type === 'varchar') return col.length === undefined || col.length > 8000;
  return false;
}

export function writeTypeInfo(w: Writer, col: ColumnDef): void {
  switch (col.type) {
    case 'int':
      w.u8(WireType.IntN).u8(4);
      return;
    case 'bigint':
      w.u8(WireType.IntN).u8(8);
      return;
    case 'bit':
      w.u8(WireType.BitN).u8(1);
      return;
    case 'nvarchar':
    case 'varchar': {
      const bytesPerChar = col.type === 'nvarchar' ? 2 : 1;
      if (col.length !== undefined && (!Number.isInteger(col.length) || col.length < 1)) {
        throw new RangeError(`column ${col.name}: length ${col.length} is not a positive integer`);
      }
      const maxLength = isPlpColumn(col) ? MAX_LENGTH : (col.length ?? 0) * bytesPerChar;
      w.u8(col.type === 'nvarchar' ? WireType.NVarChar : WireType.BigVarChar)
        .u16le(maxLength)
        .bytes(SERVER_COLLATION);
      return;
    }
    case 'datetime2': {
      const scale = col.scale ?? 3;
      timeLength(scale); // validates
      w.u8(WireType.DateTime2N).u8(scale);
      return;
    }
  }
}
