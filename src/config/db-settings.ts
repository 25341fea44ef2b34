import { boolean, integer, oneOf, text } from './schema.js';

const maxPort = 65535;
const tenMinutesMs = 600_000;
const oneDayMs = 86_400_000;

/**
 * SQL Server settings. The data layer is on when DB_HOST or DB_CONNECTION_STRING is set; with
 * neither, the service runs without it and the /orders routes answer 503 DB_NOT_CONFIGURED.
 */
export const dbSettings = {
  dbHost: text({
    env: 'DB_HOST',
    default: '',
    maxLength: 253,
    description: 'SQL Server host name. Unset (and no DB_CONNECTION_STRING): the service runs without a database.',
  }),
  dbPort: integer({ env: 'DB_PORT', default: 1433, min: 1, max: maxPort, description: 'SQL Server TCP port.' }),
  dbName: text({ env: 'DB_NAME', default: 'app', maxLength: 128, description: 'Database the service uses.' }),
  dbUser: text({ env: 'DB_USER', default: '', maxLength: 128, description: 'SQL login name.' }),
  dbPassword: text({
    env: 'DB_PASSWORD',
    default: '',
    maxLength: 256,
    secret: true,
    description: 'SQL login password.',
  }),
  dbConnectionString: text({
    env: 'DB_CONNECTION_STRING',
    default: '',
    maxLength: 4096,
    secret: true,
    description:
      'ADO.NET style connection string (`Server=tcp:host,1433;Database=app;User Id=…;Password=…;Encrypt=true`), instead of DB_HOST … DB_TRUST_SERVER_CERTIFICATE.',
  }),
  dbEncrypt: oneOf({
    env: 'DB_ENCRYPT',
    values: ['true', 'strict', 'false'] as const,
    default: 'true',
    description:
      'TLS to SQL Server: `true` (TDS 7.4 encryption; the connection fails if the server does not offer it), `strict` (TDS 8.0), `false` (plain TCP).',
  }),
  dbTrustServerCertificate: boolean({
    env: 'DB_TRUST_SERVER_CERTIFICATE',
    default: false,
    description: 'Accept a server certificate that does not chain to a trusted CA (self-signed development servers).',
  }),
  dbPoolMin: integer({
    env: 'DB_POOL_MIN',
    default: 2,
    min: 0,
    max: 100,
    description: 'Connections opened at startup and kept open while idle.',
  }),
  dbPoolMax: integer({
    env: 'DB_POOL_MAX',
    default: 10,
    min: 1,
    max: 100,
    description: 'Most connections open at once; further queries wait for one (DB_ACQUIRE_TIMEOUT_MS).',
  }),
  dbAcquireTimeoutMs: integer({
    env: 'DB_ACQUIRE_TIMEOUT_MS',
    default: 5000,
    min: 1,
    max: tenMinutesMs,
    description: 'How long a query may wait for a free connection before its request gets 503 DB_BUSY.',
  }),
  dbIdleTimeoutMs: integer({
    env: 'DB_IDLE_TIMEOUT_MS',
    default: 30_000,
    min: 1,
    max: oneDayMs,
    description: 'Idle connections above DB_POOL_MIN are closed after this long.',
  }),
  dbMaxLifetimeMs: integer({
    env: 'DB_MAX_LIFETIME_MS',
    default: 1_800_000,
    min: 1000,
    max: oneDayMs,
    description: 'Connections are replaced after this long, so fail-overs and DNS changes are picked up.',
  }),
  dbValidateAfterIdleMs: integer({
    env: 'DB_VALIDATE_AFTER_IDLE_MS',
    default: 10_000,
    min: 0,
    max: oneDayMs,
    description: 'A connection idle for longer than this is checked with `SELECT 1` before it is handed out.',
  }),
  dbConnectTimeoutMs: integer({
    env: 'DB_CONNECT_TIMEOUT_MS',
    default: 15_000,
    min: 100,
    max: tenMinutesMs,
    description: 'How long one connection attempt (TCP, TLS, login) may take.',
  }),
  dbRequestTimeoutMs: integer({
    env: 'DB_REQUEST_TIMEOUT_MS',
    default: 15_000,
    min: 0,
    max: tenMinutesMs,
    description: 'How long one statement may run before the driver cancels it (0: no limit).',
  }),
  dbConnectRetryMinMs: integer({
    env: 'DB_CONNECT_RETRY_MIN_MS',
    default: 250,
    min: 1,
    max: tenMinutesMs,
    description:
      'First wait between connection attempts at startup; doubles (with jitter) up to DB_CONNECT_RETRY_MAX_MS.',
  }),
  dbConnectRetryMaxMs: integer({
    env: 'DB_CONNECT_RETRY_MAX_MS',
    default: 5000,
    min: 1,
    max: tenMinutesMs,
    description: 'Longest wait between connection attempts at startup (STARTUP_TIMEOUT_MS bounds the total).',
  }),
  dbDrainTimeoutMs: integer({
    env: 'DB_DRAIN_TIMEOUT_MS',
    default: 5000,
    min: 0,
    max: tenMinutesMs,
    description:
      'In `closing`, how long running queries may finish before they are cancelled (their requests get 503).',
  }),
  dbCancelTimeoutMs: integer({
    env: 'DB_CANCEL_TIMEOUT_MS',
    default: 2000,
    min: 1,
    max: tenMinutesMs,
    description: 'How long SQL Server may take to acknowledge a cancel before the connection is dropped.',
  }),
  dbMigrate: boolean({
    env: 'DB_MIGRATE',
    default: true,
    description: 'Apply pending migrations at startup (`npm run db:migrate` applies them without serving).',
  }),
  dbMigrationLockTimeoutMs: integer({
    env: 'DB_MIGRATION_LOCK_TIMEOUT_MS',
    default: 30_000,
    min: 0,
    max: tenMinutesMs,
    description: 'How long a replica waits for another one that is applying migrations.',
  }),
  dbCreateDatabase: boolean({
    env: 'DB_CREATE_DATABASE',
    default: false,
    description:
      'Create DB_NAME at startup if it does not exist (development servers; needs CREATE DATABASE permission).',
  }),
};
