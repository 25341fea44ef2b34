import type { FastifyReply, FastifyRequest } from 'fastify';
import createError from '@fastify/error';
import fp from 'fastify-plugin';
import type { Config } from '../config/settings.js';
import { connect, disconnect, type DbConnection } from './connect.js';
import { createDatabase, type Database, type QueryContext } from './database.js';
import { diagnosticStatements } from './diagnostics.js';
import { dbErrors } from './errors.js';
import { createPool } from './pool.js';
import { registerPoolMetrics } from './metrics.js';
import { databaseStartupCheck } from './startup.js';
import { execute } from './statement.js';
import type { DbTarget } from './target.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The query executor; without a configured database every query rejects with DB_NOT_CONFIGURED. */
    db: Database;
  }
}

export interface DatabasePluginOptions {
  readonly config: Config;
  /** Undefined when no database is configured. */
  readonly target: DbTarget | undefined;
  readonly appName: string;
}

/** Nobody receives it (the client is gone); nginx's 499 keeps it out of the 5xx error log. */
const ClientClosedRequest = createError('CLIENT_CLOSED_REQUEST', 'the client closed the connection', 499);

/**
 * The query context of a request: it is cancelled when the client goes away (its response closes
 * before it was sent) or when HANDLER_TIMEOUT_MS passes. Not `request.signal` alone: Fastify aborts
 * that as soon as a POST body has been read, because the request stream closes then.
 * @see https://github.com/fastify/fastify/pull/6725
 */
export function queryContext(request: FastifyRequest, reply: FastifyReply): QueryContext {
  const cancel = new AbortController();
  const response = reply.raw;
  response.once('close', () => {
    if (!response.writableFinished) cancel.abort(new ClientClosedRequest());
  });
  const fastifySignal = request.signal;
  fastifySignal.addEventListener(
    'abort',
    () => {
      const reason = fastifySignal.reason as { code?: string } | undefined;
      if (reason?.code === 'FST_ERR_HANDLER_TIMEOUT') cancel.abort(reason);
    },
    { once: true },
  );
  // When the request arrived, which decides whether it may still query in `closing`.
  return { signal: cancel.signal, startedAt: performance.now() - reply.elapsedTime };
}

/**
 * The data layer as one plugin: the pool, the query executor, the startup check (connect with
 * backoff, migrate, fill the pool) and the shutdown (stop intake, drain, cancel, close connections last).
 */
export const databasePlugin = fp<DatabasePluginOptions>(
  async (app, { config, target, appName }) => {
    if (!target) {
      app.log.warn(
        { event: 'db-off' },
        'no database configured (DB_HOST or DB_CONNECTION_STRING); /orders answers 503',
      );
      app.decorate('db', unconfiguredDatabase());
      registerPoolMetrics(app.metrics.registry, app.db);
      return;
    }
    const logger = app.log.child({ component: 'db' });
    const connection = {
      target,
      requestTimeoutMs: config.dbRequestTimeoutMs,
      cancelTimeoutMs: config.dbCancelTimeoutMs,
      appName,
    };
    const pool = createPool<DbConnection>({
      create: (signal) => connect(connection, signal),
      destroy: disconnect,
      isBroken: (db) => db.broken !== undefined,
      validate: (db) => execute(db, diagnosticStatements.ping, {}).then(() => true),
      min: config.dbPoolMin,
      max: config.dbPoolMax,
      acquireTimeoutMs: config.dbAcquireTimeoutMs,
      idleTimeoutMs: config.dbIdleTimeoutMs,
      maxLifetimeMs: config.dbMaxLifetimeMs,
      validateAfterIdleMs: config.dbValidateAfterIdleMs,
      onBackgroundError: (err) => logger.warn({ event: 'db-pool-error', err }, 'database pool background error'),
    });
    const db = createDatabase({
      pool,
      requestTimeoutMs: config.dbRequestTimeoutMs,
      acquireTimeoutMs: config.dbAcquireTimeoutMs,
      logger,
      onQuery: app.metrics.observeQuery,
    });
    app.decorate('db', db);
    registerPoolMetrics(app.metrics.registry, db);

    app.lifecycle.addStartupCheck(
      databaseStartupCheck({
        connection,
        pool,
        createDatabase: config.dbCreateDatabase,
        migrate: config.dbMigrate,
        migrationLockTimeoutMs: config.dbMigrationLockTimeoutMs,
        retryMinMs: config.dbConnectRetryMinMs,
        retryMaxMs: config.dbConnectRetryMaxMs,
        logger,
      }),
    );
    app.lifecycle.addCloser({
      name: 'database',
      stage: 'resources',
      drainTimeoutMs: config.dbDrainTimeoutMs + config.dbCancelTimeoutMs + config.shutdownMarginMs,
      async drain() {
        const report = await db.drain({
          drainTimeoutMs: config.dbDrainTimeoutMs,
          cancelTimeoutMs: config.dbCancelTimeoutMs,
        });
        logger.info({ event: 'db-drained', ...report }, 'database work drained');
        const forced: string[] = [];
        if (report.cancelled > 0) {
          forced.push(`${report.cancelled} query(s) cancelled at DB_DRAIN_TIMEOUT_MS ${config.dbDrainTimeoutMs}`);
        }
        if (report.unacknowledged > 0) {
          forced.push(`${report.unacknowledged} cancel(s) not acknowledged within DB_CANCEL_TIMEOUT_MS`);
        }
        return forced;
      },
      timeoutMs: config.shutdownMarginMs,
      close: () => db.close(),
    });
  },
  { name: 'database', dependencies: ['lifecycle', 'metrics'] },
);

function unconfiguredDatabase(): Database {
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
