import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Closer, StartupCheck } from '../lifecycle/lifecycle.js';
import { connect, disconnect, type DbConnection } from './connect.js';
import { dbErrors } from './errors.js';
import { createDbMetrics } from './metrics.js';
import { pingStatement } from './ping.js';
import { createPool } from './pool.js';
import { createQueryExecutor, type QueryExecutor } from './query-executor.js';
import { databaseStartupCheck } from './startup.js';
import { execute } from './statement.js';
import type { DbTarget } from './target.js';

/**
 * What the data layer reads of the configuration. The service's Config has these fields; the data
 * layer declares them itself instead of importing the config module.
 */
export interface DataLayerSettings {
  readonly dbPoolMin: number;
  readonly dbPoolMax: number;
  readonly dbAcquireTimeoutMs: number;
  readonly dbIdleTimeoutMs: number;
  readonly dbMaxLifetimeMs: number;
  readonly dbValidateAfterIdleMs: number;
  readonly dbRequestTimeoutMs: number;
  readonly dbCancelTimeoutMs: number;
  readonly dbDrainTimeoutMs: number;
  readonly dbConnectRetryMinMs: number;
  readonly dbConnectRetryMaxMs: number;
  readonly dbMigrate: boolean;
  readonly dbCreateDatabase: boolean;
  readonly dbMigrationLockTimeoutMs: number;
  /** Bounds closing the connections, after the drain. */
  readonly shutdownMarginMs: number;
}

export interface DatabaseDeps {
  readonly logger: FastifyBaseLogger;
  readonly registry: Registry;
  /** Sent to SQL Server as the application name (sys.dm_exec_sessions.program_name). */
  readonly appName: string;
}

/** The data layer as a resource of the service: what requests use, and how it starts and stops. */
export interface Database {
  /** Without a target every query rejects with DB_NOT_CONFIGURED. */
  readonly executor: QueryExecutor;
  /** Connect with backoff, migrate, fill the pool; undefined without a target. */
  readonly startupCheck: StartupCheck | undefined;
  /** Stop intake, drain, cancel at the deadline, then close the connections, last; undefined without a target. */
  readonly closer: Closer | undefined;
}

/**
 * The pool, the query executor, their metrics, the startup check and the closer. The composition
 * root (src/service/create-service.ts) registers the check and the closer with the lifecycle.
 */
export function createDatabase(
  target: DbTarget | undefined,
  settings: DataLayerSettings,
  { logger: serviceLogger, registry, appName }: DatabaseDeps,
): Database {
  const metrics = createDbMetrics(registry);
  if (!target) {
    serviceLogger.warn(
      { event: 'db-off' },
      'no database configured (DB_HOST or DB_CONNECTION_STRING); /orders answers 503',
    );
    const executor = unconfiguredExecutor();
    metrics.watch(executor);
    return { executor, startupCheck: undefined, closer: undefined };
  }
  const logger = serviceLogger.child({ component: 'db' });
  const connection = {
    target,
    requestTimeoutMs: settings.dbRequestTimeoutMs,
    cancelTimeoutMs: settings.dbCancelTimeoutMs,
    appName,
  };
  const pool = createPool<DbConnection>({
    create: (signal) => connect(connection, signal),
    destroy: disconnect,
    isBroken: (db) => db.broken !== undefined,
    validate: (db) => execute(db, pingStatement, {}).then(() => true),
    min: settings.dbPoolMin,
    max: settings.dbPoolMax,
    acquireTimeoutMs: settings.dbAcquireTimeoutMs,
    idleTimeoutMs: settings.dbIdleTimeoutMs,
    maxLifetimeMs: settings.dbMaxLifetimeMs,
    validateAfterIdleMs: settings.dbValidateAfterIdleMs,
    onBackgroundError: (err) => logger.warn({ event: 'db-pool-error', err }, 'database pool background error'),
  });
  const executor = createQueryExecutor({
    pool,
    requestTimeoutMs: settings.dbRequestTimeoutMs,
    acquireTimeoutMs: settings.dbAcquireTimeoutMs,
    logger,
    onQuery: metrics.observeQuery,
  });
  metrics.watch(executor);

  const startupCheck = databaseStartupCheck({
    connection,
    pool,
    createDatabase: settings.dbCreateDatabase,
    migrate: settings.dbMigrate,
    migrationLockTimeoutMs: settings.dbMigrationLockTimeoutMs,
    retryMinMs: settings.dbConnectRetryMinMs,
    retryMaxMs: settings.dbConnectRetryMaxMs,
    logger,
  });
  const closer: Closer = {
    name: 'database',
    stage: 'resources',
    drainTimeoutMs: settings.dbDrainTimeoutMs + settings.dbCancelTimeoutMs + settings.shutdownMarginMs,
    async drain() {
      const report = await executor.drain({
        drainTimeoutMs: settings.dbDrainTimeoutMs,
        cancelTimeoutMs: settings.dbCancelTimeoutMs,
      });
      logger.info({ event: 'db-drained', ...report }, 'database work drained');
      const forced: string[] = [];
      if (report.cancelled > 0) {
        forced.push(`${report.cancelled} query(s) cancelled at DB_DRAIN_TIMEOUT_MS ${settings.dbDrainTimeoutMs}`);
      }
      if (report.unacknowledged > 0) {
        forced.push(`${report.unacknowledged} cancel(s) not acknowledged within DB_CANCEL_TIMEOUT_MS`);
      }
      return forced;
    },
    timeoutMs: settings.shutdownMarginMs,
    close: () => executor.close(),
  };
  return { executor, startupCheck, closer };
}

function unconfiguredExecutor(): QueryExecutor {
  const refuse = () => Promise.reject(new dbErrors.DbNotConfigured());
  return {
    query: refuse,
    activeQueries: () => 0,
    stopIntake: () => {},
    drain: async () => ({ finished: 0, cancelled: 0, unacknowledged: 0 }),
    close: async () => {},
    poolStats: () => ({ idle: 0, inUse: 0, opening: 0, waiting: 0 }),
  };
}
