import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/load-config.js';
import { shutdownBudget } from '../../src/config/shutdown-budget.js';
import { runtimeInstruction } from '../support/deploy/dockerfile.js';
import { projectRoot } from '../support/deploy/tools.js';

const run = promisify(execFile);
const unitPath = resolve(projectRoot, 'deploy/systemd/k8s-service-starter.service');

/** `[section, key, value]` for every assignment of the unit file, in order. */
function assignments(text: string): Array<[string, string, string]> {
  let section = '';
  const out: Array<[string, string, string]> = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else {
      const at = line.indexOf('=');
      out.push([section, line.slice(0, at), line.slice(at + 1)]);
    }
  }
  return out;
}

const unit = assignments(readFileSync(unitPath, 'utf8'));
const service = (key: string) => unit.filter(([s, k]) => s === 'Service' && k === key).map(([, , v]) => v);
const environment = service('Environment').map((pair) => pair.split(/=(.*)/s).slice(0, 2));
const env: Record<string, string> = Object.fromEntries(environment);

describe('the systemd unit', () => {
  test('systemd-analyze verify finds nothing wrong with it', async () => {
    let output: string;
    try {
      const result = await run('systemd-analyze', ['verify', unitPath]);
      output = result.stdout + result.stderr;
    } catch (error) {
      const { code, stdout = '', stderr = '' } = error as { code?: unknown; stdout?: string; stderr?: string };
      if (code === 'ENOENT') throw new Error('systemd-analyze is not installed (Debian package systemd)');
      output = stdout + stderr;
    }
    // The one finding that is about this machine, not the unit: no Node.js at the path a VM install has.
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    expect(lines.filter((line) => !/Command \/usr\/bin\/node is not executable/.test(line))).toEqual([]);
  });

  test('starts the service as the image does and stops it with SIGTERM, waiting as long as its grace period', () => {
    const entrypoint = JSON.parse(runtimeInstruction('ENTRYPOINT') ?? '[]') as string[];
    expect(service('ExecStart')).toEqual([['/usr/bin/node', ...entrypoint.slice(1)].join(' ')]);
    expect(service('KillSignal')).toEqual(['SIGTERM']);
    // SIGTERM to node alone; the rest of the cgroup is only killed at the timeout.
    expect(service('KillMode')).toEqual(['mixed']);
    expect(env).toMatchObject({ PRESTOP_MODE: 'none' });
    expect(service('TimeoutStopSec')).toEqual([env.TERMINATION_GRACE_PERIOD_SECONDS]);
  });

  test('its environment is one the service accepts, with a shutdown that fits TimeoutStopSec, with a database too', () => {
    const withDb = { ...env, DB_HOST: 'sql.internal', DB_USER: 'app', DB_PASSWORD: 'x' };
    for (const candidate of [env, withDb]) {
      const budget = shutdownBudget(loadConfig(candidate));
      expect(budget).toMatchObject({ fits: true, gracePeriodMs: Number(service('TimeoutStopSec')[0]) * 1000 });
    }
  });
});
