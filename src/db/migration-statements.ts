import { TYPES } from 'tedious';
import { statement } from './statement.js';

/** Shared by every replica: only one applies migrations at a time; the others wait, then find none left. */
export const migrationLockResource = 'schema_migrations';

/**
 * The statements of the migrator. A session-owned application lock serialises replicas that start
 * together; it is released explicitly and, failing that, when the connection closes.
 * @see https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql
 */
export const migrationStatements = {
  createDatabase: statement(
    'migrations.create-database',
    // CREATE DATABASE takes no parameters: the name is bound, then quoted by QUOTENAME, never spliced.
    `IF DB_ID(@name) IS NULL
BEGIN
  DECLARE @sql NVARCHAR(300) = N'CREATE DATABASE ' + QUOTENAME(@name);
  EXEC sp_executesql @sql;
END`,
    { name: TYPES.NVarChar },
  ),
  lock: statement(
    'migrations.lock',
    `DECLARE @result INT;
EXEC @result = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = @timeoutMs;
SELECT @result AS result;`,
    { resource: TYPES.NVarChar, timeoutMs: TYPES.Int },
  ),
  unlock: statement('migrations.unlock', `EXEC sp_releaseapplock @Resource = @resource, @LockOwner = 'Session';`, {
    resource: TYPES.NVarChar,
  }),
  createTable: statement(
    'migrations.create-table',
    `IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL
CREATE TABLE dbo.schema_migrations (
  version INT NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
  name NVARCHAR(200) NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  applied_at DATETIME2(3) NOT NULL CONSTRAINT df_schema_migrations_applied_at DEFAULT SYSUTCDATETIME()
);`,
  ),
  applied: statement(
    'migrations.applied',
    'SELECT version, name, checksum FROM dbo.schema_migrations ORDER BY version;',
  ),
};

export const applyPrefix = 'SET XACT_ABORT ON;\nBEGIN TRANSACTION;\n';
export const applySuffix = `
;INSERT INTO dbo.schema_migrations (version, name, checksum) VALUES (@version, @name, @checksum);
COMMIT TRANSACTION;`;

/** One migration file and its bookkeeping row, in one transaction: applied whole or not at all. */
export const applyStatement = (migrationSql: string) =>
  statement('migrations.apply', `${applyPrefix}${migrationSql}${applySuffix}`, {
    version: TYPES.Int,
    name: TYPES.NVarChar,
    checksum: TYPES.VarChar,
  });
