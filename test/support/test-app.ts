import { loadConfig, type Config } from '../../src/config/load-config.js';
import type { StartupCheck } from '../../src/lifecycle/lifecycle.js';
import type { ShutdownReport } from '../../src/lifecycle/terminator.js';
import type { Telemetry } from '../../src/observability/telemetry.js';
import { createService, type Service } from '../../src/service/create-service.js';
import { memoryLogger } from './memory-logger.js';
import type { LogLine } from './service-process.js';
import type { TestDatabase } from './test-database.js';

const info = { name: 'orders-service', version: '0.0.0-test' };

/** A service built by createService, as production builds it, logging to memory; nothing listens yet. */
export async function buildTestService(
  env: Record<string, string> = {},
  {
    startupChecks = [],
    info: given = info,
    telemetry,
  }: { startupChecks?: StartupCheck[]; info?: typeof info; telemetry?: Telemetry } = {},
): Promise<{ service: Service; config: Config; lines: LogLine[] }> {
  const config = loadConfig(env);
  const { logger, lines } = memoryLogger();
  const service = await createService(config, { logger, info: given, startupChecks, telemetry });
  return { service, config, lines };
}

export interface TestApp {
  /** The whole instance: lifecycle, app, admin, terminator, registry. */
  readonly service: Service;
  readonly config: Config;
  /** http://127.0.0.1:port of the app listener. */
  readonly url: string;
  /** http://127.0.0.1:port of the admin listener. */
  readonly adminUrl: string;
  readonly lines: LogLine[];
  /** Settles when startup has finished (ready) or failed. */
  readonly startup: Promise<unknown>;
  /** The service's own shutdown: drains, closes the app listener, the database (last of the resources), then the admin listener. */
  stop(): Promise<ShutdownReport>;
}

/** createService with real tedious against `db`, both listeners on free ports, startup under way. */
export async function startTestApp(db: TestDatabase, env: Record<string, string> = {}): Promise<TestApp> {
  const { service, config, lines } = await buildTestService({
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_HOST: '127.0.0.1',
    ADMIN_PORT: '0',
    DRAIN_DELAY_MS: '0',
    DEBUG_ROUTES: 'true',
    LOG_REQUESTS: 'false',
    DB_CONNECT_RETRY_MIN_MS: '100',
    DB_CONNECT_RETRY_MAX_MS: '500',
    ...db.env,
    ...env,
  });
  const ports = await service.listen();
  const startup = service.start();
  startup.catch(() => {});
  return {
    service,
    config,
    url: `http://127.0.0.1:${ports.app}`,
    adminUrl: `http://127.0.0.1:${ports.admin}`,
    lines,
    startup,
    stop: () => service.stop('test'),
  };
}
