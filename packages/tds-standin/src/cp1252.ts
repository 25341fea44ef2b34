/**
 * Code page 1252, the encoding of varchar data under the collation the SQL Server test double announces
 * (SQL_Latin1_General_CP1_CI_AS). It is Latin-1 except for 0x80-0x9F, listed here; a character the
 * code page lacks becomes '?', as SQL Server converts it.
 */
const HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

const byteOf = new Map<string, number>([...HIGH].map((char, i) => [char, 0x80 + i]));

export function decodeCp1252(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) out += byte >= 0x80 && byte < 0xa0 ? HIGH.charAt(byte - 0x80) : String.fromCharCode(byte);
  return out;
}

export function encodeCp1252(text: string): Buffer {
  const out = Buffer.alloc(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const plain = code < 0x80 || (code >= 0xa0 && code <= 0xff);
    out.writeUInt8(plain ? code : (byteOf.get(text.charAt(i)) ?? 0x3f), i);
  }
  return out;
}
