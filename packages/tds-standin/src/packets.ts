import { ProtocolError } from './buffers.js';

/**
 * TDS packet framing for the SQL Server test double. Every packet starts with an 8-byte header: Type,
 * Status, Length (big-endian, header included), SPID (big-endian), PacketID, Window. A message is the
 * payloads of consecutive packets up to the one whose Status has the EOM bit.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/7af53667-1b72-4703-8258-7984e838f746
 */

export const PacketType = {
  SqlBatch: 0x01,
  Rpc: 0x03,
  TabularResult: 0x04,
  Attention: 0x06,
  Login7: 0x10,
  PreLogin: 0x12,
} as const;

const HEADER_LENGTH = 8;
const STATUS_EOM = 0x01;
/** The client abandoned a half-sent message (tedious's cancel before the last packet went out). */
const STATUS_IGNORE = 0x02;

export interface Message {
  readonly type: number;
  readonly payload: Buffer;
  /** Set when any packet of the message had the IGNORE bit: the server must discard it. */
  readonly ignored: boolean;
}

/** Turns the bytes of one socket into whole messages, however TCP happened to split them. */
export class MessageReader {
  private pending: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private type: number | undefined;
  private ignored = false;

  /** Returns every message the new bytes completed; throws ProtocolError for a corrupt header. */
  push(chunk: Buffer): Message[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Message[] = [];
    while (this.pending.length >= HEADER_LENGTH) {
      const length = this.pending.readUInt16BE(2);
      if (length < HEADER_LENGTH) throw new ProtocolError(`packet length ${length} is shorter than its header`);
      if (this.pending.length < length) break;
      const status = this.pending.readUInt8(1);
      this.type ??= this.pending.readUInt8(0);
      this.ignored ||= (status & STATUS_IGNORE) !== 0;
      this.parts.push(this.pending.subarray(HEADER_LENGTH, length));
      this.pending = this.pending.subarray(length);
      if (status & STATUS_EOM) {
        messages.push({ type: this.type, payload: Buffer.concat(this.parts), ignored: this.ignored });
        this.parts = [];
        this.type = undefined;
        this.ignored = false;
      }
    }
    return messages;
  }
}

/**
 * Splits one outgoing message into packets of at most `packetSize` bytes, header included, as one
 * buffer so it reaches the socket in a single write. PacketID counts from 1 and wraps at 256.
 */
export function encodeMessage(type: number, payload: Buffer, packetSize: number, spid: number): Buffer {
  const room = packetSize - HEADER_LENGTH;
  const count = Math.max(1, Math.ceil(payload.length / room));
  const out = Buffer.alloc(payload.length + count * HEADER_LENGTH);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const body = payload.subarray(i * room, (i + 1) * room);
    at = out.writeUInt8(type, at);
    at = out.writeUInt8(i === count - 1 ? STATUS_EOM : 0, at);
    at = out.writeUInt16BE(HEADER_LENGTH + body.length, at);
    at = out.writeUInt16BE(spid, at);
    at = out.writeUInt8((i + 1) % 256, at);
    at = out.writeUInt8(0, at);
    at += body.copy(out, at);
  }
  return out;
}
