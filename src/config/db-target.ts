import type { DbTarget } from '../db/target.js';
import { parseConnectionString } from './connection-string.js';
import type { Settings } from './settings.js';

export type DbTargetResult =
  | { readonly status: 'off' }
  | { readonly status: 'ok'; readonly target: DbTarget }
  | { readonly status: 'invalid'; readonly problems: readonly string[] };

/** The data layer is on when a database is configured at all: DB_HOST or DB_CONNECTION_STRING. */
export const databaseEnabled = (settings: Settings): boolean =>
  settings.dbHost !== '' || settings.dbConnectionString !== '';

/** Resolves the target; `off` when neither DB_HOST nor DB_CONNECTION_STRING is set. */
export function resolveDbTarget(settings: Settings): DbTargetResult {
  const fromSettings: DbTarget = {
    host: settings.dbHost,
    port: settings.dbPort,
    database: settings.dbName,
    user: settings.dbUser,
    password: settings.dbPassword,
    encrypt: settings.dbEncrypt,
    trustServerCertificate: settings.dbTrustServerCertificate,
    connectTimeoutMs: settings.dbConnectTimeoutMs,
  };
  if (!databaseEnabled(settings)) return { status: 'off' };
  if (settings.dbConnectionString === '') {
    return fromSettings.user === ''
      ? { status: 'invalid', problems: ['DB_USER: required when DB_HOST is set'] }
      : { status: 'ok', target: fromSettings };
  }
  const problems: string[] = [];
  if (settings.dbHost !== '') {
    problems.push('DB_CONNECTION_STRING and DB_HOST: set one or the other, not both');
  }
  const parsed = parseConnectionString(settings.dbConnectionString);
  problems.push(...parsed.problems.map((p) => `DB_CONNECTION_STRING: ${p}`));
  const target = { ...fromSettings, ...parsed.parts, host: parsed.parts.host ?? '' };
  if (target.host === '') problems.push('DB_CONNECTION_STRING: has no Server');
  if (target.user === '') problems.push('DB_CONNECTION_STRING: has no User Id');
  return problems.length > 0 ? { status: 'invalid', problems } : { status: 'ok', target };
}
