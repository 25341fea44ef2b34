import { ConfigError, loadConfig } from './config/load-config.js';
import { prepareDatabase, retryUntilReady } from './db/startup.js';
import { createLogger, flushLogs } from './observability/logger.js';
import { withDeadline } from './timing/deadline.js';

/**
 * `npm run db:migrate`: applies pending migrations and exits, e.g. from a CI job or a Helm hook. Same
 * settings and the same lock as the service's own migration at startup, so both may run at once.
 */
async function main(): Promise<number> {
  const logger = createLogger('info', { service: 'db-migrate' });
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.fatal({ event: 'config-invalid', problems: error.problems }, error.message);
    return 1;
  }
  const target = config.dbTarget;
  if (!target) {
    logger.fatal({ event: 'db-off' }, 'no database configured: set DB_HOST (or DB_CONNECTION_STRING)');
    return 1;
  }
  const prepare = {
    connection: {
      target,
      requestTimeoutMs: config.dbRequestTimeoutMs,
      cancelTimeoutMs: config.dbCancelTimeoutMs,
      appName: 'db-migrate',
    },
    createDatabase: config.dbCreateDatabase,
    migrate: true,
    migrationLockTimeoutMs: config.dbMigrationLockTimeoutMs,
    logger,
  };
  const retry = { retryMinMs: config.dbConnectRetryMinMs, retryMaxMs: config.dbConnectRetryMaxMs, logger };
  const outcome = await withDeadline(
    (signal) => retryUntilReady(() => prepareDatabase(prepare, signal), retry, signal),
    config.startupTimeoutMs,
  );
  if (outcome.status === 'done') return 0;
  const why =
    outcome.status === 'timeout' ? `not done within STARTUP_TIMEOUT_MS ${config.startupTimeoutMs} ms` : outcome.error;
  logger.fatal({ event: 'migrate-failed', err: why }, `migration failed: ${String(why)}`);
  return 1;
}

const code = await main();
await flushLogs();
process.exit(code);
