import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Engine } from './engine.js';
import { startTdsStandin, type TdsStandin } from './server.js';

/** Where a client finds the stand-in and how it logs in. */
export interface StandinTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export interface StandinCliOptions {
  /** Gives statements their meaning: the caller builds it, since the caller is the one that knows the SQL. */
  readonly engine: Engine;
  /** Default `sa`. */
  readonly user?: string;
  /** The database a login without one lands in; default `master`. */
  readonly database?: string;
  /** Default `process.argv.slice(2)`. */
  readonly args?: readonly string[];
  /** Printed after the banner: how to point a client at this stand-in (its settings, a command line). */
  readonly howToConnect?: (target: StandinTarget) => string;
}

/**
 * A stand-in as a process of its own, for a person to run a client against. Options `--host`
 * (127.0.0.1), `--port` (1433), `--password` (random), `--quiet`, or STANDIN_HOST, STANDIN_PORT and
 * STANDIN_PASSWORD. Prints where it listens, then its event log as JSON lines unless quiet; SIGINT or
 * SIGTERM closes it and exits 0.
 */
export async function runStandinCli(options: StandinCliOptions): Promise<TdsStandin> {
  const { values } = parseArgs({
    args: [...(options.args ?? process.argv.slice(2))],
    options: {
      host: { type: 'string', default: process.env.STANDIN_HOST ?? '127.0.0.1' },
      port: { type: 'string', default: process.env.STANDIN_PORT ?? '1433' },
      password: {
        type: 'string',
        default: process.env.STANDIN_PASSWORD ?? `Standin-${randomBytes(6).toString('hex')}`,
      },
      quiet: { type: 'boolean', default: false },
    },
  });
  const user = options.user ?? 'sa';
  const database = options.database ?? 'master';
  const standin = await startTdsStandin({
    engine: options.engine,
    host: values.host,
    port: Number(values.port),
    user,
    password: values.password,
    database,
  });
  const target = { host: standin.host, port: standin.port, user, password: values.password, database };
  process.stdout.write(
    `TDS stand-in (a test double for SQL Server) listening on ${standin.host}:${standin.port}\n` +
      (options.howToConnect?.(target) ?? ''),
  );
  // Parameters and values may be bigints, which JSON.stringify refuses.
  const json = (_: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);
  if (!values.quiet) standin.on('event', (event) => process.stdout.write(`${JSON.stringify(event, json)}\n`));

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void standin.close().then(() => process.exit(0)));
  }
  return standin;
}
