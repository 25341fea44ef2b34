import { params, rowsOf, statement } from './statement.js';

/** Shared by every replica: only one applies migrations at a time; the others wait, then find none left. */
export const migrationLockResource = 'schema_migrations';

/**
 * The statements of the migrator. A session-owned application lock serialises replicas that start
 * together; it is released explicitly and, failing that, when the connection closes.
 * @see https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql
 */
export const migrationStatements = {
  createDatabase: statement({
    name: 'migrations.create-database',
    // CREATE DATABASE takes no parameters: the name is bound, then quoted by QUOTENAME, never spliced.
    sql: `IF DB_ID(@name) IS NULL
BEGIN
  DECLARE @sql NVARCHAR(300) = N'CREATE DATABASE ' + QUOTENAME(@name);
  EXEC sp_executesql @sql;
END`,
    params: { name: params.nvarchar },
  }),
  lock: statement({
    name: 'migrations.lock',
    sql: `DECLARE @result INT;
EXEC @result = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = @timeoutMs;
SELECT @result AS result;`,
    params: { resource: params.nvarchar, timeoutMs: params.int },
    rows: rowsOf<{ result: number }>(),
  }),
  unlock: statement({
    name: 'migrations.unlock',
    sql: `EXEC sp_releaseapplock @Resource = @resource, @LockOwner = 'Session';`,
    params: { resource: params.nvarchar },
  }),
  createTable: statement({
    name: 'migrations.create-table',
    sql: `IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL
CREATE TABLE dbo.schema_migrations (
  version INT NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
  name NVARCHAR(200) NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  applied_at DATETIME2(3) NOT NULL CONSTRAINT df_schema_migrations_applied_at DEFAULT SYSUTCDATETIME()
);`,
    params: {},
  }),
  applied: statement({
    name: 'migrations.applied',
    sql: 'SELECT version, name, checksum FROM dbo.schema_migrations ORDER BY version;',
    params: {},
    rows: rowsOf<{ version: number; name: string; checksum: string }>(),
  }),
};

export const applyPrefix = 'SET XACT_ABORT ON;\nBEGIN TRANSACTION;\n';
export const applySuffix = `
;INSERT INTO dbo.schema_migrations (version, name, checksum) VALUES (@version, @name, @checksum);
COMMIT TRANSACTION;`;

/** One migration file and its bookkeeping row, in one transaction: applied whole or not at all. */
export const applyStatement = (migrationSql: string) =>
  statement({
    name: 'migrations.apply',
    sql: `${applyPrefix}${migrationSql}${applySuffix}`,
    params: { version: params.int, name: params.nvarchar, checksum: params.varchar },
  });
