import type { FastifyBaseLogger } from 'fastify';
import { sleep } from '../timing/sleep.js';
import type { StartupCheck } from '../lifecycle/lifecycle.js';
import { connect, disconnect, type ConnectOptions, type DbConnection } from './connect.js';
import { migrationStatements } from './migration-statements.js';
import { loadMigrations, migrate, MigrationError, type Migration } from './migrate.js';
import type { Pool } from './pool.js';
import { execute } from './statement.js';

export interface PrepareOptions {
  readonly connection: ConnectOptions;
  readonly createDatabase: boolean;
  readonly migrate: boolean;
  readonly migrationLockTimeoutMs: number;
  readonly logger: FastifyBaseLogger;
  readonly migrations?: readonly Migration[];
}

/** SQL Server's "database already exists": another replica created it first. */
const databaseExists = 1801;

/** Creates the database if asked, applies migrations if asked; each on a connection of its own. */
export async function prepareDatabase(options: PrepareOptions, signal?: AbortSignal): Promise<void> {
  const { connection, logger } = options;
  if (options.createDatabase) {
    await withConnection({ ...connection, database: 'master' }, signal, async (db) => {
      await execute(db, migrationStatements.createDatabase, { name: connection.target.database }).catch(
        (error: { number?: number }) => {
          if (error.number !== databaseExists) throw error;
        },
      );
    });
  }
  if (options.migrate) {
    const migrations = options.migrations ?? (await loadMigrations());
    const report = await withConnection(connection, signal, (db) =>
      migrate(db, migrations, { lockTimeoutMs: options.migrationLockTimeoutMs, logger }),
    );
    logger.info(
      { event: 'migrations', applied: report.applied, alreadyApplied: report.alreadyApplied, unknown: report.unknown },
      `schema up to date (${report.applied.length} migration(s) applied now)`,
    );
  }
}

async function withConnection<T>(
  options: ConnectOptions,
  signal: AbortSignal | undefined,
  work: (db: DbConnection) => Promise<T>,
): Promise<T> {
  const db = await connect(options, signal);
  try {
    return await work(db);
  } finally {
    await disconnect(db);
  }
}

/** Errors that waiting will not fix: fail the startup at once instead of retrying until the timeout. */
function isFatal(error: unknown): boolean {
  const { code, number } = error as { code?: string; number?: number };
  return code === 'EENCRYPT' || error instanceof MigrationError || (typeof number === 'number' && code !== 'ELOGIN');
}

export interface RetryOptions {
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly logger: FastifyBaseLogger;
  /** Told about every failed attempt (for `describe()` of a startup check). */
  onFailure?(attempt: number, error: unknown): void;
}

/**
 * Runs `work` until it succeeds, with exponential backoff and jitter between attempts: a fresh SQL
 * Server container refuses connections, then logins, for 10–30 s. Errors that waiting will not fix
 * end it at once; so does `signal`.
 */
export async function retryUntilReady(work: () => Promise<void>, options: RetryOptions, signal: AbortSignal) {
  let delayMs = options.retryMinMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (isFatal(error)) throw error;
      options.onFailure?.(attempt, error);
      const message = (error as Error).message;
      const retryInMs = Math.round(delayMs / 2 + Math.random() * (delayMs / 2));
      options.logger.warn(
        { event: 'db-connect-retry', attempt, retryInMs, code: (error as { code?: string }).code, error: message },
        `database not ready: ${message}`,
      );
      await sleep(retryInMs, signal);
      delayMs = Math.min(delayMs * 2, options.retryMaxMs);
    }
  }
}

export interface DatabaseStartupOptions extends PrepareOptions, Omit<RetryOptions, 'onFailure'> {
  readonly pool: Pool<DbConnection>;
}

/**
 * The `database` startup check: until SQL Server accepts logins, the schema is migrated and the pool
 * holds DB_POOL_MIN connections. STARTUP_TIMEOUT_MS bounds it (lifecycle/startup.ts).
 */
export function databaseStartupCheck(options: DatabaseStartupOptions): StartupCheck {
  let attempts = 0;
  let lastError: string | undefined;
  const onFailure = (attempt: number, error: unknown) => {
    attempts = attempt;
    lastError = (error as Error).message;
  };
  return {
    name: 'database',
    describe: () => (lastError ? `${attempts} attempt(s), last error: ${lastError}` : undefined),
    run: (signal) =>
      retryUntilReady(
        async () => {
          await prepareDatabase(options, signal);
          await options.pool.fill();
          // With DB_POOL_MIN=0 nothing was opened: prove one connection works anyway.
          if (options.pool.stats().idle === 0) (await options.pool.acquire(signal)).release();
        },
        { ...options, onFailure },
        signal,
      ),
  };
}
