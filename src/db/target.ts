import type { Config } from '../config/settings.js';
import { parseConnectionString } from './connection-string.js';

/** Where and how to connect, from DB_CONNECTION_STRING or the separate DB_* settings. */
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

export type DbTargetResult =
  | { readonly status: 'off' }
  | { readonly status: 'ok'; readonly target: DbTarget }
  | { readonly status: 'invalid'; readonly problems: readonly string[] };

/** The data layer is on when a database is configured at all: DB_HOST or DB_CONNECTION_STRING. */
export const databaseEnabled = (config: Config): boolean => config.dbHost !== '' || config.dbConnectionString !== '';

/** Resolves the target; `off` when neither DB_HOST nor DB_CONNECTION_STRING is set. */
export function resolveDbTarget(config: Config): DbTargetResult {
  const fromSettings: DbTarget = {
    host: config.dbHost,
    port: config.dbPort,
    database: config.dbName,
    user: config.dbUser,
    password: config.dbPassword,
    encrypt: config.dbEncrypt,
    trustServerCertificate: config.dbTrustServerCertificate,
    connectTimeoutMs: config.dbConnectTimeoutMs,
  };
  if (!databaseEnabled(config)) return { status: 'off' };
  if (config.dbConnectionString === '') {
    return fromSettings.user === ''
      ? { status: 'invalid', problems: ['DB_USER: required when DB_HOST is set'] }
      : { status: 'ok', target: fromSettings };
  }
  const problems: string[] = [];
  if (config.dbHost !== '') {
    problems.push('DB_CONNECTION_STRING and DB_HOST: set one or the other, not both');
  }
  const parsed = parseConnectionString(config.dbConnectionString);
  problems.push(...parsed.problems.map((p) => `DB_CONNECTION_STRING: ${p}`));
  const target = { ...fromSettings, ...parsed.parts, host: parsed.parts.host ?? '' };
  if (target.host === '') problems.push('DB_CONNECTION_STRING: has no Server');
  if (target.user === '') problems.push('DB_CONNECTION_STRING: has no User Id');
  return problems.length > 0 ? { status: 'invalid', problems } : { status: 'ok', target };
}
