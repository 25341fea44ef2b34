/**
 * The one-host supervisor: `node dist/supervisor.js` (see deploy/README.md). It holds the listening
 * sockets for its whole life, bound here or passed by systemd (.socket units), and runs generations of
 * the service (dist/main.js) on them; SIGHUP hands over to a new generation without refusing or dropping
 * a connection. It holds no Fastify, database or telemetry code, so it rarely needs replacing itself.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, loadConfig } from './config/load-config.js';
import { ListenFdsError } from './sockets/listen-fds.js';
import { startGeneration } from './supervisor/generation.js';
import { supervisorLogger } from './supervisor/log.js';
import { holdSockets } from './supervisor/sockets.js';
import { runSupervisor } from './supervisor/supervisor.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string };

async function main(): Promise<number> {
  let config;
  try {
    // Checked as each generation will have it: with its sockets passed in.
    config = loadConfig(process.env, { listenersInherited: true });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    supervisorLogger('info', pkg.name).fatal({ event: 'config-invalid', problems: error.problems }, error.message);
    return 1;
  }
  const logger = supervisorLogger(config.logLevel, pkg.name);
  let sockets;
  try {
    sockets = await holdSockets(process.env, config);
  } catch (error) {
    const problems = error instanceof ListenFdsError ? error.problems : [(error as Error).message];
    logger.fatal({ event: 'sockets-failed', problems }, `cannot hold the listening sockets: ${problems.join('; ')}`);
    return 1;
  }
  for (const socket of Object.values(sockets)) {
    const { name: listener, port, source, fd } = socket;
    logger.info(
      { event: 'listening', listener, port, source, fd },
      `${listener} socket on port ${port ?? '?'} (${source})`,
    );
  }
  // As the path was given, not as resolved: through a `current` symlink, every start finds the release
  // the link points to then.
  const releaseDir = config.supervisorReleaseDir || resolve(dirname(process.argv[1] ?? '.'), '..');
  // Generations get the supervisor's environment, with LISTEN_* of their own (generation.ts).
  const env = process.env;
  return runSupervisor({
    logger,
    signals: process,
    start: (number) => startGeneration({ number, releaseDir, entry: config.supervisorEntry, env, sockets }),
    readyTimeoutMs: config.startupTimeoutMs + config.shutdownMarginMs,
    stopTimeoutMs: config.terminationGracePeriodSeconds * 1000,
    restartDelayMinMs: config.supervisorRestartDelayMinMs,
    restartDelayMaxMs: config.supervisorRestartDelayMaxMs,
  });
}

process.exit(await main());
