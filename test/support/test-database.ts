import { randomBytes } from 'node:crypto';
import { startTdsStandin, type TdsStandin } from 'tds-standin';
import { Connection, Request } from 'tedious';
import { parseConnectionString } from '../../src/config/connection-string.js';
import { createStandinEngine, type StandinEngine } from './standin/engine.js';

export type TestDatabaseKind = 'standin' | 'container' | 'external';

/**
 * One database for one test file, on the target db-global-setup.mjs chose: a real SQL Server (a
 * database and a login of its own, dropped afterwards) or a TDS stand-in of its own (a test double).
 * Fault injection means the same on both: logins refused, every connection dropped.
 */
export interface TestDatabase {
  readonly kind: TestDatabaseKind;
  /** Environment for the service: DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, DB_ENCRYPT, … */
  readonly env: Readonly<Record<string, string>>;
  /** Only on the stand-in: its event log and in-memory store. */
  readonly standin?: TdsStandin & { readonly engine: StandinEngine };
  /** Logins fail (error 18456) while on, as on a server that is still starting. */
  refuseLogins(on: boolean): Promise<void>;
  /** Ends every connection of the service's login at once, as a fail-over does. */
  dropAllConnections(): Promise<void>;
  /** Connections the service's login has open right now. */
  openConnections(): Promise<number>;
  /** Statements of the service's login running right now. */
  runningStatements(): Promise<number>;
  close(): Promise<void>;
}

export const testDatabaseKind = (): TestDatabaseKind => (process.env.TEST_DB_KIND as TestDatabaseKind) ?? 'standin';

export async function startTestDatabase(kind = testDatabaseKind()): Promise<TestDatabase> {
  return kind === 'standin' ? startStandinDatabase() : startServerDatabase(kind);
}

export async function startStandinDatabase(): Promise<TestDatabase> {
  const engine = await createStandinEngine();
  const password = `Standin-${randomBytes(6).toString('hex')}`;
  const server = await startTdsStandin({ engine, password, user: 'sa', database: 'app' });
  const standin = Object.assign(server, { engine });
  const running = new Set<number>();
  server.on('event', (event) => {
    if (event.type === 'statement-start') running.add(event.statementId);
    if (event.type === 'statement-end') running.delete(event.statementId);
  });
  return {
    kind: 'standin',
    env: {
      DB_HOST: server.host,
      DB_PORT: String(server.port),
      DB_NAME: 'app',
      DB_USER: 'sa',
      DB_PASSWORD: password,
      DB_ENCRYPT: 'false',
    },
    standin,
    refuseLogins: async (on) => server.refuseLogins(on),
    dropAllConnections: async () => server.dropAllConnections(),
    openConnections: async () => server.connections(),
    runningStatements: async () => running.size,
    close: () => server.close(),
  };
}

async function startServerDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  const admin = parseConnectionString(process.env.TEST_DB_CONNECTION_STRING ?? '').parts;
  const name = `t_${randomBytes(6).toString('hex')}`;
  const password = `Pw-${randomBytes(12).toString('hex')}-x9`;
  const run = (sql: string) => batch(admin, sql);
  // Names are generated hex, so they are spliced; the statements are the test's own, not the service's.
  await run(`CREATE DATABASE [${name}]`);
  await run(`CREATE LOGIN [${name}] WITH PASSWORD = '${password}', CHECK_POLICY = OFF, DEFAULT_DATABASE = [${name}]`);
  await run(`USE [${name}]; CREATE USER [${name}] FOR LOGIN [${name}]; ALTER ROLE db_owner ADD MEMBER [${name}]`);
  const sessions = `SELECT session_id FROM sys.dm_exec_sessions WHERE login_name = N'${name}'`;
  const killAll = async () => {
    await run(`DECLARE @sql NVARCHAR(MAX) = N'';
SELECT @sql += N'KILL ' + CAST(session_id AS NVARCHAR(10)) + N';' FROM (${sessions}) s;
EXEC sp_executesql @sql;`);
  };
  return {
    kind,
    env: {
      DB_HOST: admin.host ?? 'localhost',
      DB_PORT: String(admin.port ?? 1433),
      DB_NAME: name,
      DB_USER: name,
      DB_PASSWORD: password,
      DB_ENCRYPT: admin.encrypt ?? 'true',
      DB_TRUST_SERVER_CERTIFICATE: 'true',
    },
    refuseLogins: async (on) => {
      await run(`ALTER LOGIN [${name}] ${on ? 'DISABLE' : 'ENABLE'}`);
    },
    dropAllConnections: killAll,
    openConnections: async () => (await run(`SELECT COUNT(*) AS n FROM (${sessions}) s`))[0]![0] as number,
    runningStatements: async () =>
      (
        await run(
          `SELECT COUNT(*) AS n FROM sys.dm_exec_requests r JOIN (${sessions}) s ON s.session_id = r.session_id`,
        )
      )[0]![0] as number,
    async close() {
      await run(`ALTER LOGIN [${name}] DISABLE`);
      await killAll();
      await run(`DROP DATABASE [${name}]; DROP LOGIN [${name}]`);
    },
  };
}

/** Runs one SQL batch on a connection of its own as the admin login; resolves with the rows' values. */
function batch(admin: ReturnType<typeof parseConnectionString>['parts'], sql: string): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    const connection = new Connection({
      server: admin.host ?? 'localhost',
      authentication: { type: 'default', options: { userName: admin.user, password: admin.password } },
      options: {
        port: admin.port ?? 1433,
        database: 'master',
        encrypt: admin.encrypt === 'strict' ? 'strict' : admin.encrypt !== 'false',
        trustServerCertificate: true,
      },
    });
    connection.on('error', () => {});
    connection.connect((error) => {
      if (error) return reject(error);
      const rows: unknown[][] = [];
      const request = new Request(sql, (failure) => {
        connection.close();
        if (failure) reject(failure);
        else resolve(rows);
      });
      request.on('row', (columns: Array<{ value: unknown }>) => rows.push(columns.map((c) => c.value)));
      connection.execSqlBatch(request);
    });
  });
}
