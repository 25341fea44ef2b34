import { ProtocolError, Reader, Writer } from './buffers.js';
import { SERVER_VERSION } from './server-info.js';

/**
 * PRELOGIN for the SQL Server test double: a table of (token, big-endian offset, big-endian length)
 * entries ended by 0xFF, followed by the option data.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/60f56408-0188-4cd5-8b90-25c6f2423868
 */

const VERSION = 0x00;
const ENCRYPTION = 0x01;
const INSTOPT = 0x02;
const THREADID = 0x03;
const MARS = 0x04;
const TERMINATOR = 0xff;

const ENCRYPT_NOT_SUP = 0x02;

export type ClientEncryption = 'off' | 'on' | 'not-supported' | 'required' | 'unknown';

const encryptionNames: Record<number, ClientEncryption> = { 0: 'off', 1: 'on', 2: 'not-supported', 3: 'required' };

/** What the client said about TLS; only for the event log, since the answer is always "not supported". */
export function readClientEncryption(payload: Buffer): ClientEncryption {
  const r = new Reader(payload);
  for (;;) {
    const token = r.u8();
    if (token === TERMINATOR) return 'unknown';
    const offset = r.u16be();
    r.u16be(); // the length; ENCRYPTION is one byte
    if (token === ENCRYPTION) {
      if (offset >= payload.length) throw new ProtocolError('PRELOGIN ENCRYPTION option points past the payload');
      return encryptionNames[payload.readUInt8(offset)] ?? 'unknown';
    }
  }
}

/**
 * The server's answer. ENCRYPTION is ENCRYPT_NOT_SUP: there is no TLS here at all, so tedious goes on
 * in plain text with `encrypt: false` and refuses (EENCRYPT) with `encrypt: true`. THREADID is sent
 * empty, as SQL Server does; MARS is off.
 */
export function preloginResponse(): Buffer {
  const version = new Writer()
    .u8(SERVER_VERSION.major)
    .u8(SERVER_VERSION.minor)
    .u16be(SERVER_VERSION.build)
    .u16be(0)
    .toBuffer();
  const options: Array<[number, Buffer]> = [
    [VERSION, version],
    [ENCRYPTION, Buffer.from([ENCRYPT_NOT_SUP])],
    [INSTOPT, Buffer.from([0x00])],
    [THREADID, Buffer.alloc(0)],
    [MARS, Buffer.from([0x00])],
  ];
  const table = new Writer();
  const data = new Writer();
  let offset = options.length * 5 + 1;
  for (const [token, value] of options) {
    table.u8(token).u16be(offset).u16be(value.length);
    data.bytes(value);
    offset += value.length;
  }
  table.u8(TERMINATOR);
  return Buffer.concat([table.toBuffer(), data.toBuffer()]);
}
