/**
 * The one-host supervisor: `node dist/supervisor.js` (see deploy/README.md). It holds the listening
 * sockets for its whole life, bound here or passed by systemd (.socket units), and runs generations of
 * the service (dist/main.js) on them; SIGHUP hands over to a new generation without refusing or dropping
 * a connection. It holds no Fastify, database or telemetry code, so it rarely needs replacing itself.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, loadConfig } from './config/load-config.js';
import { ListenFdsError } from './sockets/listen-fds.js';
import { startGeneration } from './supervisor/generation.js';
import { supervisorLogger } from './supervisor/log.js';
import { cannotRestore, ownNice } from './supervisor/priority.js';
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
  // Generations get the supervisor's environment, with LISTEN_* of their own (generation.ts), and
  // Node's compile cache: the first generation writes the V8 code of every module it loads there, the
  // next ones read it instead of compiling again (about a sixth less CPU to start). NODE_COMPILE_CACHE
  // set is kept (NODE_DISABLE_COMPILE_CACHE=1 turns it off); under systemd tmpdir() is the private /tmp.
  const env = { NODE_COMPILE_CACHE: join(tmpdir(), `${pkg.name}-compile-cache`), ...process.env };
  const priority = startingPriority(config.supervisorStartupNice, logger);
  return runSupervisor({
    logger,
    signals: process,
    start: (number, { beside }) =>
      startGeneration({
        number,
        releaseDir,
        entry: config.supervisorEntry,
        env,
        sockets,
        ...(beside && priority && { priority }),
      }),
    readyTimeoutMs: config.startupTimeoutMs + config.shutdownMarginMs,
    stopTimeoutMs: config.terminationGracePeriodSeconds * 1000,
    restartDelayMinMs: config.supervisorRestartDelayMinMs,
    restartDelayMaxMs: config.supervisorRestartDelayMaxMs,
  });
}

/** Nice values for a generation starting beside the serving one, if raising is asked for and can be undone. */
function startingPriority(increment: number, logger: ReturnType<typeof supervisorLogger>) {
  if (increment === 0) return undefined;
  const ready = ownNice();
  const starting = Math.min(19, ready + increment);
  const reason = cannotRestore(ready);
  if (reason !== undefined) {
    logger.warn(
      { event: 'startup-priority-off', reason },
      `new generations start at the serving one's priority (SUPERVISOR_STARTUP_NICE ${increment} unused): ${reason}`,
    );
    return undefined;
  }
  return starting > ready ? { starting, ready } : undefined;
}

process.exit(await main());
