import { readFileSync } from 'node:fs';
import { runService } from './service/run-service.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

const code = await runService({
  env: process.env,
  info: { name: pkg.name, version: pkg.version },
  signals: process,
  exit: (exitCode) => process.exit(exitCode),
});
process.exit(code);
