// The database of the bench's `db` targets: the TDS stand-in (a test double for SQL Server that keeps
// its tables in memory) as `npm run standin` runs it, in a child process of its own, fresh for every
// run so its event log, which keeps every statement, never grows across runs.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { startChild } from './children.mjs';
import { fromRoot } from './targets.mjs';

/** Where `npm run build:standin` compiles test/support/standin/cli.ts. */
const cli = fromRoot('node_modules/.cache/standin/test/support/standin/cli.js');
export const hasStandin = () => existsSync(cli);

const banner = /listening on [^\s]+:(\d+)/;

/** Starts a stand-in on a free port; resolves with the child and the DB_* settings of the service. */
export async function startStandin(name) {
  const password = `Bench-${randomBytes(6).toString('hex')}`;
  const standin = await startChild({
    name,
    nodeArgs: [cli, '--port', '0', '--password', password, '--quiet'],
    env: {},
    readyWhen: (text) => {
      const port = banner.exec(text)?.[1];
      return port ? { ports: { app: Number(port) }, line: { raw: text } } : undefined;
    },
  });
  const dbEnv = {
    DB_HOST: '127.0.0.1',
    DB_PORT: String(standin.appPort),
    DB_NAME: 'app',
    DB_USER: 'sa',
    DB_PASSWORD: password,
    DB_ENCRYPT: 'false',
  };
  return { standin, dbEnv };
}

/** The order the `db` targets read: created through the service itself, so it exists as its route expects. */
export async function createOrder(appPort) {
  const response = await fetch(`http://127.0.0.1:${appPort}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerId: 'bench', sku: 'bench-sku', quantity: 1 }),
  });
  const body = await response.json();
  if (response.status !== 201) throw new Error(`POST /orders answered ${response.status}: ${JSON.stringify(body)}`);
  return body.id;
}
