/**
 * What the TDS stand-in (a test double for SQL Server, not a server) says about itself: the version in
 * PRELOGIN and LOGINACK, the collation in ENVCHANGE and COLMETADATA, and the packet sizes it accepts.
 */

/** SQL Server 2022 RTM, so a client that logs the server version sees a plausible one. */
export const SERVER_VERSION = { major: 16, minor: 0, build: 1000 } as const;

export const PROGRAM_NAME = 'Microsoft SQL Server';

/** TDS 7.4, as LOGINACK carries it (big-endian on the wire). */
export const TDS_7_4 = 0x74000004;

/**
 * SQL_Latin1_General_CP1_CI_AS exactly as SQL Server sends it: LCID 0x0409, flags IgnoreCase,
 * IgnoreKana and IgnoreWidth, SortId 52, hence code page 1252 for varchar data. tedious needs this
 * ENVCHANGE before it can encode a varchar parameter.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/3d29e8dc-218a-42c6-9ba4-947ebca9fd7e
 */
export const SERVER_COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);

export const LANGUAGE = 'us_english';

/**
 * The packet size before login and when the client asks for 0. ENVCHANGE type 4 must be between 512
 * and 32767; both sides switch with the message after the login response.
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/2b3eb7e5-d43d-4d1b-bf4d-76b9e3afc791
 */
export const DEFAULT_PACKET_SIZE = 4096;

export function negotiatePacketSize(requested: number): number {
  if (requested === 0) return DEFAULT_PACKET_SIZE;
  return Math.min(32767, Math.max(512, requested));
}
