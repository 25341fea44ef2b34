import { readFileSync } from 'node:fs';
import { runService, type SupervisorChannel } from './service/run-service.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

const code = await runService({
  env: process.env,
  info: { name: pkg.name, version: pkg.version },
  signals: process,
  exit: (exitCode) => process.exit(exitCode),
  // The IPC channel exists when the supervisor spawned this process (src/supervisor/generation.ts).
  supervisor: supervisorChannel(),
});
process.exit(code);

function supervisorChannel(): SupervisorChannel | undefined {
  if (!process.send) return undefined;
  return {
    send: (message) => process.send?.(message),
    on: (event: 'message' | 'disconnect', listener: (message: unknown) => void) => process.on(event, listener),
  };
}
