import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/settings.js';
import { runStartup } from '../../src/lifecycle/startup.js';
import { memoryLogger } from './memory-logger.js';
import type { LogLine } from './service-process.js';
import type { TestDatabase } from './test-database.js';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  /** http://127.0.0.1:port of the app listener. */
  readonly url: string;
  readonly lines: LogLine[];
  /** Settles when startup has finished (ready) or failed. */
  readonly startup: Promise<unknown>;
  /** The terminator's shutdown: drains, closes the listener, then the database (last). */
  stop(): Promise<void>;
}

const info = { name: 'orders-service', version: '0.0.0-test' };

/** buildApp() with real tedious against `db`, listening on a free port, startup under way. */
export async function startTestApp(db: TestDatabase, env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    DRAIN_DELAY_MS: '0',
    DEBUG_ROUTES: 'true',
    LOG_REQUESTS: 'false',
    DB_CONNECT_RETRY_MIN_MS: '100',
    DB_CONNECT_RETRY_MAX_MS: '500',
    ...db.env,
    ...env,
  });
  const { logger, lines } = memoryLogger();
  const app = await buildApp(config, { logger, info });
  await app.listen({ host: config.host, port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const startup = runStartup(app.lifecycle, { timeoutMs: config.startupTimeoutMs, logger: app.log });
  startup.catch(() => {});
  let stopped: Promise<void> | undefined;
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    lines,
    startup,
    stop: () =>
      (stopped ??= (async () => {
        await app.terminator.shutdown('test');
        await app.close();
      })()),
  };
}
