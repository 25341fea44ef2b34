import { ProtocolError, type Reader } from './buffers.js';

/**
 * Skips ALL_HEADERS, which TDS 7.2 and later put before a SQL batch and an RPC request: a 4-byte total
 * length that counts itself, then headers such as the transaction descriptor. The SQL Server test
 * double has no transactions to look up, so it only steps over them.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/e17e54ae-0fac-48b7-b8a8-c267be297923
 */
export function skipAllHeaders(r: Reader): void {
  const total = r.u32le();
  if (total < 4) throw new ProtocolError(`ALL_HEADERS length ${total} is shorter than itself`);
  r.bytes(total - 4);
}
