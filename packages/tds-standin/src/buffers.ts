/**
 * Byte-level reading and writing for the TDS stand-in, the SQL Server test double. Token fields are
 * little-endian; only packet headers and PRELOGIN are big-endian, so the names say which is which.
 * B_VARCHAR / US_VARCHAR (MS-TDS 2.2.5.1, basic rules) are UCS-2 strings prefixed by a 1- or 2-byte
 * character count, not a byte count.
 */

/** The client sent bytes the stand-in cannot make sense of; the connection cannot be trusted afterwards. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export class Reader {
  constructor(
    private readonly buf: Buffer,
    public offset = 0,
  ) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private take(n: number): number {
    if (n < 0 || n > this.remaining) {
      throw new ProtocolError(`needs ${n} bytes at offset ${this.offset}, only ${this.remaining} left`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8 = (): number => this.buf.readUInt8(this.take(1));
  u16le = (): number => this.buf.readUInt16LE(this.take(2));
  u16be = (): number => this.buf.readUInt16BE(this.take(2));
  i16le = (): number => this.buf.readInt16LE(this.take(2));
  u32le = (): number => this.buf.readUInt32LE(this.take(4));
  i32le = (): number => this.buf.readInt32LE(this.take(4));
  u64le = (): bigint => this.buf.readBigUInt64LE(this.take(8));
  i64le = (): bigint => this.buf.readBigInt64LE(this.take(8));

  /** Unsigned little-endian integer of 1 to 6 bytes (time-of-day fields are 3 to 5 bytes). */
  uintLE = (bytes: number): number => this.buf.readUIntLE(this.take(bytes), bytes);

  bytes(n: number): Buffer {
    const at = this.take(n);
    return this.buf.subarray(at, at + n);
  }

  ucs2 = (chars: number): string => this.bytes(chars * 2).toString('utf16le');
  bVarchar = (): string => this.ucs2(this.u8());
  usVarchar = (): string => this.ucs2(this.u16le());
}

export class Writer {
  private readonly parts: Buffer[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  bytes(buf: Buffer): this {
    this.parts.push(buf);
    this.size += buf.length;
    return this;
  }

  private fixed(n: number, write: (b: Buffer) => unknown): this {
    const b = Buffer.alloc(n);
    write(b);
    return this.bytes(b);
  }

  u8 = (v: number): this => this.fixed(1, (b) => b.writeUInt8(v));
  u16le = (v: number): this => this.fixed(2, (b) => b.writeUInt16LE(v));
  u16be = (v: number): this => this.fixed(2, (b) => b.writeUInt16BE(v));
  i16le = (v: number): this => this.fixed(2, (b) => b.writeInt16LE(v));
  u32le = (v: number): this => this.fixed(4, (b) => b.writeUInt32LE(v));
  u32be = (v: number): this => this.fixed(4, (b) => b.writeUInt32BE(v));
  i32le = (v: number): this => this.fixed(4, (b) => b.writeInt32LE(v));
  u64le = (v: bigint): this => this.fixed(8, (b) => b.writeBigUInt64LE(v));
  i64le = (v: bigint): this => this.fixed(8, (b) => b.writeBigInt64LE(v));
  uintLE = (v: number, bytes: number): this => this.fixed(bytes, (b) => b.writeUIntLE(v, 0, bytes));

  ucs2 = (s: string): this => this.bytes(Buffer.from(s, 'utf16le'));

  bVarchar(s: string): this {
    if (s.length > 0xff) throw new RangeError(`B_VARCHAR holds at most 255 characters, got ${s.length}`);
    return this.u8(s.length).ucs2(s);
  }

  usVarchar(s: string): this {
    if (s.length > 0xffff) throw new RangeError(`US_VARCHAR holds at most 65535 characters, got ${s.length}`);
    return this.u16le(s.length).ucs2(s);
  }

  bVarbyte = (buf: Buffer): this => this.u8(buf.length).bytes(buf);

  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}
