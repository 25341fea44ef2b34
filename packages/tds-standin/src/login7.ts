import { ProtocolError, Reader } from './buffers.js';

/**
 * LOGIN7 as the SQL Server test double reads it: a 94-byte fixed part (Length, TDSVersion, PacketSize,
 * ... ClientLCID at byte 32), then (offset, length in characters) pairs pointing at UCS-2 strings in
 * the variable part. Only what the stand-in checks or logs is kept.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/773a62b6-ee89-4c02-9e5e-344882630aac
 */
export interface Login7 {
  /** As the client sent it, e.g. 0x74000004 for TDS 7.4. */
  readonly tdsVersion: number;
  /** The packet size the client asks for; 0 means "the server's default". */
  readonly packetSize: number;
  readonly hostName: string;
  readonly userName: string;
  readonly password: string;
  readonly appName: string;
  readonly serverName: string;
  readonly libraryName: string;
  readonly language: string;
  /** Empty when the client names no database (the login's default database applies). */
  readonly database: string;
}

const FIXED_LENGTH = 94;

/** Byte positions of the (ib, cch) pairs in the fixed part. */
const FIELD = {
  hostName: 36,
  userName: 40,
  password: 44,
  appName: 48,
  serverName: 52,
  libraryName: 60,
  language: 64,
  database: 68,
} as const;

export function parseLogin7(payload: Buffer): Login7 {
  if (payload.length < FIXED_LENGTH) throw new ProtocolError(`LOGIN7 of ${payload.length} bytes is too short`);
  const r = new Reader(payload);
  const length = r.u32le();
  if (length > payload.length) throw new ProtocolError(`LOGIN7 claims ${length} bytes, got ${payload.length}`);
  const tdsVersion = r.u32le();
  const packetSize = r.u32le();

  const raw = (field: keyof typeof FIELD): Buffer => {
    const at = new Reader(payload, FIELD[field]);
    const offset = at.u16le();
    const chars = at.u16le();
    return new Reader(payload, offset).bytes(chars * 2);
  };
  const text = (field: keyof typeof FIELD): string => raw(field).toString('utf16le');

  return {
    tdsVersion,
    packetSize,
    hostName: text('hostName'),
    userName: text('userName'),
    password: deobfuscatePassword(raw('password')),
    appName: text('appName'),
    serverName: text('serverName'),
    libraryName: text('libraryName'),
    language: text('language'),
    database: text('database'),
  };
}

/**
 * The client obfuscates each byte of the UCS-2 password by swapping its nibbles and then XORing it
 * with 0xA5, so undoing it means XOR with 0xA5 first and swapping the nibbles back second.
 */
function deobfuscatePassword(bytes: Buffer): string {
  const plain = Buffer.alloc(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const x = bytes.readUInt8(i) ^ 0xa5;
    plain.writeUInt8(((x & 0x0f) << 4) | (x >> 4), i);
  }
  return plain.toString('utf16le');
}
