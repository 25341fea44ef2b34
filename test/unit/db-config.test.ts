import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config/load-config.js';
import { problemsOf } from '../support/config-problems.js';
import { describeBudget, shutdownBudget } from '../../src/config/shutdown-budget.js';
import { parseConnectionString } from '../../src/config/connection-string.js';
import { resolveDbTarget } from '../../src/config/db-target.js';

describe('database settings', () => {
  it('without DB_HOST or DB_CONNECTION_STRING the data layer is off and its terms leave the budget', () => {
    const config = loadConfig({});
    expect(resolveDbTarget(config)).toEqual({ status: 'off' });
    expect(describeBudget(shutdownBudget(config))).not.toContain('DB_');
  });

  it('with a database, the budget adds the drain and cancel timeouts and still fits 30 s by default', () => {
    const config = loadConfig({ DB_HOST: 'sql', DB_USER: 'app', DB_PASSWORD: 'secret' });
    expect(describeBudget(shutdownBudget(config))).toBe(
      'DRAIN_DELAY_MS 5000 + SHUTDOWN_TIMEOUT_MS 10000 + DB_DRAIN_TIMEOUT_MS 5000 + DB_CANCEL_TIMEOUT_MS 2000 + ' +
        'TELEMETRY_FLUSH_TIMEOUT_MS 1000 + SHUTDOWN_MARGIN_MS 2000 = 25000 ms <= TERMINATION_GRACE_PERIOD_SECONDS 30 (30000 ms)',
    );
    expect(resolveDbTarget(config)).toMatchObject({
      status: 'ok',
      target: { host: 'sql', port: 1433, database: 'app', user: 'app', encrypt: 'true' },
    });
  });

  it('refuses to start when the database terms push the shutdown past the grace period', () => {
    const problems = problemsOf({ DB_HOST: 'sql', DB_USER: 'app', DB_DRAIN_TIMEOUT_MS: '12000' });
    expect(problems[0]).toContain('DB_DRAIN_TIMEOUT_MS 12000');
    expect(problems[0]).toContain('32000 ms > TERMINATION_GRACE_PERIOD_SECONDS 30');
  });

  it('refuses a database drain that would outlast SHUTDOWN_TIMEOUT_MS, since cancelled requests could not be answered', () => {
    expect(problemsOf({ DB_HOST: 'sql', DB_USER: 'app', SHUTDOWN_TIMEOUT_MS: '6000' })).toEqual([
      'DB_DRAIN_TIMEOUT_MS 5000 + DB_CANCEL_TIMEOUT_MS 2000 must be below SHUTDOWN_TIMEOUT_MS 6000, so that requests whose queries are cancelled are still answered',
    ]);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '6000' })).not.toThrow();
  });

  it('reads a connection string, taking what it lacks from the DB_* settings', () => {
    const config = loadConfig({
      DB_CONNECTION_STRING:
        'Server=tcp:sql.example.net,14330;Initial Catalog=orders;User Id=svc;Password={p;w=d}}};Encrypt=strict;TrustServerCertificate=no',
      DB_CONNECT_TIMEOUT_MS: '3000',
    });
    expect(resolveDbTarget(config)).toEqual({
      status: 'ok',
      target: {
        host: 'sql.example.net',
        port: 14330,
        database: 'orders',
        user: 'svc',
        password: 'p;w=d}',
        encrypt: 'strict',
        trustServerCertificate: false,
        connectTimeoutMs: 3000,
      },
    });
  });

  it('names every problem of a connection string without echoing the password', () => {
    const problems = problemsOf({
      DB_CONNECTION_STRING: 'Server=sql;Password=hunter2;Encrypt=perhaps;Pooling=true',
      DB_HOST: 'other',
    });
    expect(problems).toEqual([
      'DB_CONNECTION_STRING and DB_HOST: set one or the other, not both',
      'DB_CONNECTION_STRING: "Encrypt" must be true, strict or false',
      'DB_CONNECTION_STRING: unsupported key "Pooling"',
      'DB_CONNECTION_STRING: has no User Id',
    ]);
    expect(problems.join(' ')).not.toContain('hunter2');
  });

  it('needs DB_USER with DB_HOST, and sane pool and retry bounds', () => {
    expect(problemsOf({ DB_HOST: 'sql', DB_POOL_MIN: '5', DB_POOL_MAX: '2', DB_CONNECT_RETRY_MIN_MS: '9000' })).toEqual(
      [
        'DB_USER: required when DB_HOST is set',
        'DB_POOL_MIN and DB_POOL_MAX: 5 is more than 2',
        'DB_CONNECT_RETRY_MIN_MS and DB_CONNECT_RETRY_MAX_MS: 9000 is more than 5000',
      ],
    );
  });

  it('parses quoted values with doubled quotes, and refuses an unterminated one', () => {
    expect(parseConnectionString(`Password="a""b";User Id='x'`).parts).toEqual({ password: 'a"b', user: 'x' });
    expect(parseConnectionString('Password={abc').problems).toEqual(['"Password" has an unterminated quoted value']);
  });
});
