import { readFileSync } from 'node:fs';
import { flushLogs, flushLogsSync } from './observability/logger.js';
import { runService, type SupervisorChannel } from './service/run-service.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

const code = await runService({
  env: process.env,
  info: { name: pkg.name, version: pkg.version },
  signals: process,
  crashes: process,
  // An immediate exit (a second SIGINT, a crash): what is still buffered goes out synchronously.
  exit: (exitCode) => {
    flushLogsSync();
    process.exit(exitCode);
  },
  // The IPC channel exists when the supervisor spawned this process (src/supervisor/generation.ts).
  supervisor: supervisorChannel(),
});
// Every line of the shutdown timeline is written, in order, before the process ends.
await flushLogs();
process.exit(code);

function supervisorChannel(): SupervisorChannel | undefined {
  if (!process.send) return undefined;
  return {
    send: (message) => process.send?.(message),
    on: (event: 'message' | 'disconnect', listener: (message: unknown) => void) => process.on(event, listener),
  };
}
