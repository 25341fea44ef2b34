import { ProtocolError, type Reader, type Writer } from './buffers.js';

/**
 * datetime2(n) on the wire, for the SQL Server test double: time(n), the number of 10^-n second units
 * since midnight in 3 (n <= 2), 4 (n <= 4) or 5 bytes, then date, 3 bytes of days since 0001-01-01.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/786f5b8a-f87d-4980-9070-b9b7274c681d
 *
 * The value has no time zone. The stand-in reads and writes it as UTC, which is what tedious does with
 * its default `useUTC: true`; a JavaScript Date carries milliseconds, so digits beyond the third are
 * cut off on the way in and written as zeros on the way out.
 */

/** Days from 0001-01-01 to 1970-01-01. */
const EPOCH_DAYS = 719_162n;
const MS_PER_DAY = 86_400_000n;

export function timeLength(scale: number): number {
  if (!Number.isInteger(scale) || scale < 0 || scale > 7) throw new RangeError(`datetime2 scale ${scale} is not 0-7`);
  return scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
}

/** Reads the value bytes that follow the 1-byte length (which the caller has checked). */
export function readDatetime2(r: Reader, scale: number): Date {
  const units = BigInt(r.uintLE(timeLength(scale)));
  const days = BigInt(r.uintLE(3));
  const ms = scale >= 3 ? units / 10n ** BigInt(scale - 3) : units * 10n ** BigInt(3 - scale);
  if (ms >= MS_PER_DAY) throw new ProtocolError('datetime2 time of day is past midnight');
  return new Date(Number((days - EPOCH_DAYS) * MS_PER_DAY + ms));
}

/** Writes length byte and value; rounds to the scale like SQL Server's conversion does. */
export function writeDatetime2(w: Writer, value: Date, scale: number): void {
  const epochMs = value.getTime();
  if (Number.isNaN(epochMs)) throw new RangeError('datetime2 value is an invalid Date');
  const year = value.getUTCFullYear();
  if (year < 1 || year > 9999) throw new RangeError(`datetime2 year ${year} is outside 1-9999`);
  const ms = BigInt(epochMs) + EPOCH_DAYS * MS_PER_DAY;
  const perMs = scale >= 3 ? 10n ** BigInt(scale - 3) : 1n;
  const perUnit = scale >= 3 ? 1n : 10n ** BigInt(3 - scale);
  const units = (ms * perMs + perUnit / 2n) / perUnit;
  const unitsPerDay = (MS_PER_DAY * perMs) / perUnit;
  const length = timeLength(scale);
  w.u8(length + 3);
  w.uintLE(Number(units % unitsPerDay), length);
  w.uintLE(Number(units / unitsPerDay), 3);
}
