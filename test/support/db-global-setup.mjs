// Chooses the SQL Server the integration tests run against, once per run, and says which in one line:
//   1. TEST_DB_CONNECTION_STRING: a server given in the environment (needs a login that may create
//      databases and logins, and KILL sessions);
//   2. otherwise a real SQL Server 2022 container through testcontainers, when a container runtime
//      answers (GitHub Actions, a laptop with Docker or Podman);
//   3. otherwise the TDS stand-in (packages/tds-standin with test/support/standin's statements), a test
//      double each test file starts itself.
// Plain .mjs so that Jest loads it with Node's own import: testcontainers never goes through Jest.
import { recordTarget } from './measurements.ts';

const image = process.env.TEST_MSSQL_IMAGE || 'mcr.microsoft.com/mssql/server:2022-latest';

export default async function setup() {
  if (process.env.TEST_DB_CONNECTION_STRING) {
    process.env.TEST_DB_KIND = 'external';
    announce('SQL Server given in TEST_DB_CONNECTION_STRING');
    return;
  }
  const reason = await containerRuntimeProblem();
  if (reason) {
    process.env.TEST_DB_KIND = 'standin';
    announce(`TDS stand-in (test double): no container runtime (${reason})`);
    return;
  }
  const { MSSQLServerContainer } = await import('@testcontainers/mssqlserver');
  const started = performance.now();
  const container = await new MSSQLServerContainer(image).acceptLicense().start();
  globalThis.__sqlServerContainer = container;
  process.env.TEST_DB_KIND = 'container';
  process.env.TEST_DB_CONNECTION_STRING = container.getConnectionUri();
  announce(`${image} in a container via testcontainers (up in ${Math.round(performance.now() - started)} ms)`);
}

async function containerRuntimeProblem() {
  if (process.env.TEST_DB === 'standin') return 'TEST_DB=standin';
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return undefined;
  } catch (error) {
    if (process.env.TEST_DB === 'container') throw error;
    return String(error?.message ?? error).split('\n')[0];
  }
}

/** Says which target, on the console and in reports/targets/integration-database.json. */
function announce(target) {
  recordTarget('integration-database', `integration database target: ${target}`, {
    kind: process.env.TEST_DB_KIND,
    target,
  });
}
