import { SqlServerError, type Engine, type StatementRequest, type StatementResult } from 'tds-standin';
import { AppLocks } from './statements/locks.js';
import { migrationHandlers } from './statements/migrations.js';
import { orderHandlers } from './statements/orders.js';
import { exactSessionHandlers, matchSessionStatement } from './statements/session.js';
import { Store } from './statements/store.js';

type Handler = (request: StatementRequest) => StatementResult[] | Promise<StatementResult[]>;

export interface StandinEngine extends Engine {
  /** The in-memory database, for assertions (e.g. every acknowledged order is there). */
  readonly store: Store;
}

/**
 * The stand-in's statement engine: exactly the statements this project issues (matched on their full
 * text, imported from the repositories and the migrator), plus `SELECT 1`, `WAITFOR DELAY` and the
 * driver's session set-up. Anything else is answered with a SQL Server style error.
 */
export async function createStandinEngine(options: { migrationsDir?: URL } = {}): Promise<StandinEngine> {
  const store = new Store();
  const locks = new AppLocks();
  const exact = new Map<string, Handler>([
    ...exactSessionHandlers,
    ...(await migrationHandlers(store, locks, options.migrationsDir)),
    ...orderHandlers(store),
  ]);
  return {
    store,
    async execute(request) {
      const handler = exact.get(request.text) ?? matchSessionStatement(request);
      if (!handler) {
        const shown = request.text.replace(/\s+/g, ' ').slice(0, 80);
        throw new SqlServerError(50000, `TDS stand-in (test double) does not know this statement: ${shown}`);
      }
      return handler(request);
    },
    sessionClosed(session) {
      locks.releaseAll(session);
    },
  };
}
