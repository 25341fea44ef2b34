import type { DbTarget } from '../db/target.js';
import { resolveDbTarget, type DbTargetResult } from './db-target.js';
import { parseSettings } from './schema.js';
import { settings, type Settings } from './settings.js';
import { describeBudget, shutdownBudget, type ShutdownBudget } from './shutdown-budget.js';

/** What is worked out from the settings, once, by loadConfig: nothing else derives it again. */
export interface Derived {
  /** Where the data layer connects; undefined when no database is configured (DB_HOST, DB_CONNECTION_STRING). */
  readonly dbTarget: DbTarget | undefined;
  /** The longest shutdown these settings allow, against the grace period. */
  readonly shutdownBudget: ShutdownBudget;
  /**
   * The listening sockets are passed in (LISTEN_FDS: systemd socket activation, or the supervisor's
   * generations) instead of bound: the shutdown then stops accepting at once and sweeps keep-alive
   * connections, and the service listens only once it is ready.
   */
  readonly listenersInherited: boolean;
}

/** The service's configuration: every setting, plus what is derived from them. */
export type Config = Settings & Derived;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads every setting from `env` once and derives the rest; throws a ConfigError that lists every bad key. */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  /** Overrides what LISTEN_FDS says: the supervisor checks the configuration its generations will have. */
  { listenersInherited = (env.LISTEN_FDS ?? '') !== '' }: { listenersInherited?: boolean } = {},
): Config {
  const { config, problems } = parseSettings(settings, env);
  if (problems.length > 0) throw new ConfigError(problems);
  const db = resolveDbTarget(config);
  const derived: Derived = {
    dbTarget: db.status === 'ok' ? db.target : undefined,
    shutdownBudget: shutdownBudget(config, { listenersInherited }),
    listenersInherited,
  };
  problems.push(...crossCheck(config, derived, db));
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, ...derived };
}

function crossCheck(config: Settings, derived: Derived, db: DbTargetResult): string[] {
  const problems: string[] = [];
  const budget = derived.shutdownBudget;
  if (!budget.fits) {
    problems.push(`the shutdown budget does not fit the grace period: ${describeBudget(budget)}`);
  }
  if (config.prestopMode === 'http' && config.prestopToken === '') {
    problems.push(
      'PRESTOP_TOKEN: required when PRESTOP_MODE=http (the kubelet calls /prestop from the node, not from loopback)',
    );
  }
  if (config.port !== 0 && config.port === config.adminPort) {
    problems.push(`PORT and ADMIN_PORT: both are ${config.port}; the two listeners need their own ports`);
  }
  if (db.status === 'invalid') problems.push(...db.problems);
  const dbWindowMs = config.dbDrainTimeoutMs + config.dbCancelTimeoutMs;
  if (derived.dbTarget && dbWindowMs >= config.shutdownTimeoutMs) {
    // The database drain runs alongside the listener's close: a request whose query is cancelled must
    // still be answered (503) before SHUTDOWN_TIMEOUT_MS destroys its connection.
    problems.push(
      `DB_DRAIN_TIMEOUT_MS ${config.dbDrainTimeoutMs} + DB_CANCEL_TIMEOUT_MS ${config.dbCancelTimeoutMs} must be below SHUTDOWN_TIMEOUT_MS ${config.shutdownTimeoutMs}, so that requests whose queries are cancelled are still answered`,
    );
  }
  const { overloadMaxEventLoopDelayMs: maxDelayMs, overloadSampleIntervalMs: intervalMs } = config;
  if (maxDelayMs > 0 && intervalMs < maxDelayMs) {
    // under-pressure reads a sample in which the event loop never ticked as an infinite delay, so a
    // shorter interval sheds load on a pause shorter than the threshold.
    // @see https://github.com/fastify/under-pressure/issues/125
    problems.push(
      `OVERLOAD_SAMPLE_INTERVAL_MS ${intervalMs} must be at least OVERLOAD_MAX_EVENT_LOOP_DELAY_MS ${maxDelayMs} while the delay check is on: a shorter sample in which the event loop is busy throughout counts as overloaded`,
    );
  }
  if (config.dbPoolMin > config.dbPoolMax) {
    problems.push(`DB_POOL_MIN and DB_POOL_MAX: ${config.dbPoolMin} is more than ${config.dbPoolMax}`);
  }
  if (config.dbConnectRetryMinMs > config.dbConnectRetryMaxMs) {
    problems.push(
      `DB_CONNECT_RETRY_MIN_MS and DB_CONNECT_RETRY_MAX_MS: ${config.dbConnectRetryMinMs} is more than ${config.dbConnectRetryMaxMs}`,
    );
  }
  if (config.supervisorRestartDelayMinMs > config.supervisorRestartDelayMaxMs) {
    problems.push(
      `SUPERVISOR_RESTART_DELAY_MIN_MS and SUPERVISOR_RESTART_DELAY_MAX_MS: ${config.supervisorRestartDelayMinMs} is more than ${config.supervisorRestartDelayMaxMs}`,
    );
  }
  return problems;
}
