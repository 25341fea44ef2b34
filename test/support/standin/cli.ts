import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { startTdsStandin } from 'tds-standin';
import { createStandinEngine } from './engine.js';

/**
 * `npm run standin`: the TDS stand-in on its own, so a person can run the service against it without
 * SQL Server. It is a test double that knows this project's statements, keeps its tables in memory and
 * forgets them on exit. Prints where it listens and the settings to use, then its event log as JSON.
 */
const { values } = parseArgs({
  options: {
    host: { type: 'string', default: process.env.STANDIN_HOST ?? '127.0.0.1' },
    port: { type: 'string', default: process.env.STANDIN_PORT ?? '1433' },
    password: { type: 'string', default: process.env.STANDIN_PASSWORD ?? `Standin-${randomBytes(6).toString('hex')}` },
    quiet: { type: 'boolean', default: false },
  },
});

const engine = await createStandinEngine({ migrationsDir: pathToFileURL(`${process.cwd()}/src/db/migrations/`) });
const standin = await startTdsStandin({
  engine,
  host: values.host,
  port: Number(values.port),
  user: 'sa',
  password: values.password,
  database: 'app',
});
process.stdout.write(
  `TDS stand-in (a test double for SQL Server) listening on ${standin.host}:${standin.port}\n` +
    `run the service against it with:\n` +
    `  DB_HOST=${standin.host} DB_PORT=${standin.port} DB_USER=sa DB_PASSWORD=${values.password} DB_ENCRYPT=false npm start\n`,
);
if (!values.quiet) standin.on('event', (event) => process.stdout.write(`${JSON.stringify(event)}\n`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void standin.close().then(() => process.exit(0)));
}
