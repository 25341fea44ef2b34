import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { DbConnection } from './connect.js';
import { applyStatement, migrationLockResource, migrationStatements as sql } from './migration-statements.js';
import { execute } from './statement.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** sha256 of the file: a migration changed after it was applied is refused, not re-run. */
  readonly checksum: string;
}

/** Migrations ship next to the code: src/db/migrations in development, dist/db/migrations built. */
export const migrationsDir = new URL('./migrations/', import.meta.url);

const fileName = /^(\d{4})-([a-z0-9-]+)\.sql$/;

/** Reads `NNNN-name.sql` files in version order; one batch each (no `GO`). */
export async function loadMigrations(dir: URL = migrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = fileName.exec(file);
    if (!match) throw new Error(`migration file ${file} is not named NNNN-name.sql`);
    const text = await readFile(new URL(file, dir), 'utf8');
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) throw new Error(`two migrations have version ${version}`);
    migrations.push({ version, name: match[2]!, sql: text, checksum: createHash('sha256').update(text).digest('hex') });
  }
  return migrations;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export interface MigrateReport {
  readonly applied: readonly number[];
  readonly alreadyApplied: number;
  /** Versions the database has but this build does not know (a newer build ran): left alone. */
  readonly unknown: readonly number[];
}

/**
 * Applies pending migrations on `db` (a connection of its own, not the pool's) under an exclusive
 * application lock, so replicas that start together apply each migration once.
 */
export async function migrate(
  db: DbConnection,
  migrations: readonly Migration[],
  { lockTimeoutMs, logger }: { lockTimeoutMs: number; logger: FastifyBaseLogger },
): Promise<MigrateReport> {
  const lock = await execute(db, sql.lock, {
    resource: migrationLockResource,
    timeoutMs: lockTimeoutMs,
  });
  const status = lock.rows[0]?.result ?? -999;
  if (status < 0) {
    throw new MigrationError(
      status === -1
        ? `another replica held the migration lock for more than DB_MIGRATION_LOCK_TIMEOUT_MS ${lockTimeoutMs} ms`
        : `sp_getapplock returned ${status}`,
    );
  }
  try {
    await execute(db, sql.createTable, {});
    const rows = (await execute(db, sql.applied, {})).rows;
    const done = new Map(rows.map((row) => [row.version, row.checksum]));
    for (const m of migrations) {
      const checksum = done.get(m.version);
      if (checksum !== undefined && checksum !== m.checksum) {
        throw new MigrationError(`migration ${m.version}-${m.name} was changed after it was applied`);
      }
    }
    const applied: number[] = [];
    for (const m of migrations.filter((candidate) => !done.has(candidate.version))) {
      const started = performance.now();
      await execute(db, applyStatement(m.sql), { version: m.version, name: m.name, checksum: m.checksum });
      applied.push(m.version);
      logger.info(
        {
          event: 'migration-applied',
          version: m.version,
          name: m.name,
          durationMs: Math.round(performance.now() - started),
        },
        `migration ${m.version}-${m.name} applied`,
      );
    }
    const known = new Set(migrations.map((m) => m.version));
    return { applied, alreadyApplied: done.size, unknown: [...done.keys()].filter((v) => !known.has(v)) };
  } finally {
    await execute(db, sql.unlock, { resource: migrationLockResource }).catch(() => {
      // Closing the connection releases a session lock too.
    });
  }
}
