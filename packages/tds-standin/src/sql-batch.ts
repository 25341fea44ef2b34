import { ProtocolError, Reader } from './buffers.js';
import { skipAllHeaders } from './all-headers.js';

/**
 * The text of a SQL batch (packet type 0x01) for the SQL Server test double: ALL_HEADERS, then the
 * batch as UCS-2 up to the end of the message.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/f2026cd3-9a46-4a3f-9a08-f63140bcbbe3
 */
export function parseSqlBatch(payload: Buffer): string {
  const r = new Reader(payload);
  skipAllHeaders(r);
  if (r.remaining % 2 !== 0) throw new ProtocolError('SQL batch text has an odd number of bytes');
  return r.ucs2(r.remaining / 2);
}
