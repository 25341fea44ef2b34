import { loadMigrations, type Migration } from '../../../../src/db/migrate.js';
import { applyPrefix, applySuffix, migrationStatements } from '../../../../src/db/migration-statements.js';
import { SqlServerError, type StatementRequest, type StatementResult } from 'tds-standin';
import type { AppLocks } from './locks.js';
import { column, int, text } from './params.js';
import type { Store } from './store.js';

/**
 * What each migration file does to the in-memory store. A new migration needs an entry here too:
 * until it has one, the stand-in refuses it loudly instead of pretending it ran.
 */
const effects: Record<string, (store: Store) => void> = {
  '1-create-orders': (store) => {
    if (store.orders) throw new SqlServerError(2714, "There is already an object named 'orders' in the database.");
    store.orders = new Map();
  },
};

type Handler = (request: StatementRequest) => StatementResult[] | Promise<StatementResult[]>;

export async function migrationHandlers(
  store: Store,
  locks: AppLocks,
  migrationsDir?: URL,
): Promise<Array<[string, Handler]>> {
  const migrations = await loadMigrations(migrationsDir);
  return [
    [migrationStatements.createDatabase.sql, () => []],
    [
      migrationStatements.lock.sql,
      async (request) => {
        const result = await locks.acquire(
          text(request, 'resource')!,
          request.session,
          int(request, 'timeoutMs'),
          request.signal,
        );
        return [{ columns: [column('result', 'int')], rows: [[result]], rowCount: 1 }];
      },
    ],
    [
      migrationStatements.unlock.sql,
      (request) => {
        locks.release(text(request, 'resource')!, request.session);
        return [];
      },
    ],
    [
      migrationStatements.createTable.sql,
      () => {
        store.schemaMigrations ??= new Map();
        return [];
      },
    ],
    [
      migrationStatements.applied.sql,
      () => {
        const rows = [...store.requireMigrations().values()]
          .sort((a, b) => a.version - b.version)
          .map((m) => [m.version, m.name, m.checksum]);
        const columns = [
          column('version', 'int'),
          column('name', 'nvarchar', { length: 200 }),
          column('checksum', 'varchar', { length: 64 }),
        ];
        return [{ columns, rows, rowCount: rows.length }];
      },
    ],
    ...migrations.map((m): [string, Handler] => [`${applyPrefix}${m.sql}${applySuffix}`, () => apply(store, m)]),
  ];
}

function apply(store: Store, migration: Migration): StatementResult[] {
  const applied = store.requireMigrations();
  const effect = effects[`${migration.version}-${migration.name}`];
  if (!effect) {
    throw new SqlServerError(
      50000,
      `TDS stand-in: migration ${migration.version}-${migration.name} has no in-memory effect (test/support/standin/statements/migrations.ts)`,
    );
  }
  if (applied.has(migration.version)) {
    throw new SqlServerError(2627, "Violation of PRIMARY KEY constraint 'pk_schema_migrations'.", 14);
  }
  effect(store);
  applied.set(migration.version, { version: migration.version, name: migration.name, checksum: migration.checksum });
  return [{ rowCount: 1 }];
}
