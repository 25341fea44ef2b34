/**
 * Where and how to connect to SQL Server. The configuration resolves it (from DB_CONNECTION_STRING or
 * the separate DB_* settings, src/config/db-target.ts); the data layer only receives it.
 */
export interface DbTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly encrypt: 'true' | 'strict' | 'false';
  readonly trustServerCertificate: boolean;
  readonly connectTimeoutMs: number;
}
