import { pathToFileURL } from 'node:url';
import { runStandinCli } from 'tds-standin';
import { createStandinEngine } from './engine.js';

/**
 * `npm run standin`: the TDS stand-in with this service's statements, so a person can run the service
 * against it without SQL Server. It keeps its tables in memory and forgets them on exit. Takes the
 * stand-in's options (`-- --port N`, `--password`, `--quiet`).
 */
await runStandinCli({
  engine: await createStandinEngine({ migrationsDir: pathToFileURL(`${process.cwd()}/src/db/migrations/`) }),
  user: 'sa',
  database: 'app',
  howToConnect: ({ host, port, user, password }) =>
    `run the service against it with:\n` +
    `  DB_HOST=${host} DB_PORT=${port} DB_USER=${user} DB_PASSWORD=${password} DB_ENCRYPT=false npm start\n`,
});
