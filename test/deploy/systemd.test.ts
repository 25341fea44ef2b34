import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/load-config.js';
import { settings } from '../../src/config/settings.js';
import { listenerNames } from '../../src/sockets/listen-fds.js';
import { runtimeInstruction } from '../support/deploy/dockerfile.js';
import { allowedSyscalls, readUnit, syscallGroups, unitFiles, type Unit } from '../support/deploy/systemd-units.js';
import { projectRoot } from '../support/deploy/tools.js';

const run = promisify(execFile);

const plain = readUnit('k8s-service-starter.service');
const activated = readUnit('k8s-service-starter-activated.service');
const supervised = readUnit('k8s-service-starter-supervised.service');
const services = [plain, activated, supervised];
const sockets = unitFiles.filter((file) => file.endsWith('.socket')).map(readUnit);
const withDb = { DB_HOST: 'sql.internal', DB_USER: 'app', DB_PASSWORD: 'x' };
/** What systemd adds to a service's environment when it passes the sockets of `Sockets=`. */
const passedSockets = { LISTEN_FDS: '2', LISTEN_PID: '4242', LISTEN_FDNAMES: 'app:admin' };

/** What the service runs and how it starts and stops; everything else in [Service] is its sandbox. */
const runKeys = new Set([
  'WorkingDirectory',
  'ExecStart',
  'ExecReload',
  'Type',
  'Sockets',
  'Environment',
  'EnvironmentFile',
  'KillSignal',
  'KillMode',
  'TimeoutStopSec',
  'SuccessExitStatus',
  'Restart',
  'RestartSec',
  // How far a process may lower its nice value: the supervisor's, for generations (below).
  'LimitNICE',
]);
const sandbox = (unit: Unit) => unit.assignments.filter(([section, key]) => section === 'Service' && !runKeys.has(key));
const words = (unit: Unit, section: string, key: string) => unit.values(section, key).flatMap((v) => v.split(/\s+/));

/** `env` is accepted, and the shutdown budget the service works out from it fits the unit's TimeoutStopSec. */
function expectShutdownFits(unit: Unit, env: Record<string, string>) {
  const budget = loadConfig(env).shutdownBudget;
  expect(budget).toMatchObject({
    fits: true,
    gracePeriodMs: Number(unit.values('Service', 'TimeoutStopSec')[0]) * 1000,
  });
}

describe('every systemd unit', () => {
  test('systemd-analyze verify finds nothing wrong with any of them, sockets and services together', async () => {
    let output: string;
    try {
      const result = await run('systemd-analyze', ['verify', ...[...sockets, ...services].map((unit) => unit.path)]);
      output = result.stdout + result.stderr;
    } catch (error) {
      const { code, stdout = '', stderr = '' } = error as { code?: unknown; stdout?: string; stderr?: string };
      if (code === 'ENOENT') throw new Error('systemd-analyze is not installed (Debian package systemd)');
      output = stdout + stderr;
    }
    expect(unitFiles).toHaveLength(sockets.length + services.length);
    // The one finding that is about this machine, not the units: no Node.js at the path a VM install has.
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    expect(lines.filter((line) => !/Command \/usr\/bin\/node is not executable/.test(line))).toEqual([]);
  });

  test('every service runs in the same sandbox as the plain unit', () => {
    expect(sandbox(plain).map(([, key]) => key)).toEqual(expect.arrayContaining(['DynamicUser', 'SystemCallFilter']));
    for (const unit of [activated, supervised]) expect([unit.file, sandbox(unit)]).toEqual([unit.file, sandbox(plain)]);
  });

  test('the sandbox lets the supervisor spawn generations through /bin/sh on an AF_UNIX channel, and signal them', async () => {
    const { stdout } = await run('systemd-analyze', ['syscall-filter']);
    const allowed = allowedSyscalls(syscallGroups(stdout), supervised.values('Service', 'SystemCallFilter'));
    // What node's spawn of `/bin/sh -c 'exec node …'` with an IPC channel, detached, makes (strace -f),
    // and what the supervisor signals and reaps generations with.
    for (const call of ['socketpair', 'clone', 'setsid', 'dup2', 'execve', 'kill', 'wait4']) {
      expect([call, allowed.has(call)]).toEqual([call, true]);
    }
    expect(words(supervised, 'Service', 'RestrictAddressFamilies')).toContain('AF_UNIX');
    // ProtectSystem=strict makes /usr read-only, not unexecutable; none of these may hide or forbid /bin/sh.
    const keys = supervised.assignments.map(([, key]) => key);
    for (const key of ['NoExecPaths', 'ExecPaths', 'InaccessiblePaths', 'RootDirectory', 'RootImage']) {
      expect(keys).not.toContain(key);
    }
  });

  test('deploy/README.md installs every one of them', () => {
    const readme = readFileSync(resolve(projectRoot, 'deploy/README.md'), 'utf8');
    for (const file of unitFiles) expect([file, readme.includes(`deploy/systemd/${file}`)]).toEqual([file, true]);
  });
});

describe('the plain unit', () => {
  const service = (key: string) => plain.values('Service', key);

  test('starts the service as the image does and stops it with SIGTERM, waiting as long as its grace period', () => {
    const entrypoint = JSON.parse(runtimeInstruction('ENTRYPOINT') ?? '[]') as string[];
    expect(service('ExecStart')).toEqual([['/usr/bin/node', ...entrypoint.slice(1)].join(' ')]);
    expect(service('KillSignal')).toEqual(['SIGTERM']);
    // SIGTERM to node alone; the rest of the cgroup is only killed at the timeout.
    expect(service('KillMode')).toEqual(['mixed']);
    expect(plain.environment).toMatchObject({ PRESTOP_MODE: 'none' });
    expect(service('TimeoutStopSec')).toEqual([plain.environment.TERMINATION_GRACE_PERIOD_SECONDS]);
  });

  test('its environment is one the service accepts, with a shutdown that fits TimeoutStopSec, with a database too', () => {
    expectShutdownFits(plain, plain.environment);
    expectShutdownFits(plain, { ...plain.environment, ...withDb });
  });
});

describe('socket activation', () => {
  test('each socket passes its descriptor as app or admin, on the address and port the service binds by default', () => {
    const defaults: Record<string, string> = {
      app: `${settings.host.default}:${settings.port.default}`,
      admin: `${settings.adminHost.default}:${settings.adminPort.default}`,
    };
    expect(sockets.length).toBeGreaterThan(0);
    for (const socket of sockets) {
      const [name = ''] = socket.values('Socket', 'FileDescriptorName');
      expect([socket.file, name]).toEqual([socket.file, expect.stringMatching(`^(${listenerNames.join('|')})$`)]);
      expect([socket.file, socket.values('Socket', 'ListenStream')]).toEqual([socket.file, [defaults[name]]]);
      // One listening socket for one service process, not a process per connection.
      expect([socket.file, socket.values('Socket', 'Accept')]).toEqual([socket.file, ['no']]);
    }
  });

  test('a service with sockets takes one app and one admin socket, each of which starts that service', () => {
    for (const unit of [activated, supervised]) {
      const taken = words(unit, 'Service', 'Sockets').map((file) => sockets.find((socket) => socket.file === file));
      expect(taken.map((socket) => socket?.values('Socket', 'FileDescriptorName')[0]).sort()).toEqual(
        [...listenerNames].sort(),
      );
      for (const socket of taken)
        expect([socket?.file, socket?.values('Socket', 'Service')]).toEqual([socket?.file, [unit.file]]);
      // Opened before the service starts, and the service stops with them.
      expect(words(unit, 'Unit', 'Requires')).toEqual(expect.arrayContaining(taken.map((socket) => socket?.file)));
      expect(words(unit, 'Unit', 'After')).toEqual(expect.arrayContaining(taken.map((socket) => socket?.file)));
    }
  });

  test('the activated service starts the service as the plain unit does, from the release `current` points to', () => {
    for (const key of ['ExecStart', 'Type', 'KillSignal', 'KillMode', 'TimeoutStopSec']) {
      expect([key, activated.values('Service', key)]).toEqual([key, plain.values('Service', key)]);
    }
    expect(activated.environment).toEqual(plain.environment);
    // The same releases as the supervised unit's, so a restart runs the one `current` points to then.
    expect(activated.values('Service', 'WorkingDirectory')).toEqual([supervised.environment.SUPERVISOR_RELEASE_DIR]);
  });

  test('on the passed sockets, its environment is one the service accepts, with a shutdown that fits TimeoutStopSec', () => {
    expectShutdownFits(activated, { ...activated.environment, ...passedSockets });
    expectShutdownFits(activated, { ...activated.environment, ...passedSockets, ...withDb });
  });
});

describe('the supervised unit', () => {
  const service = (key: string) => supervised.values('Service', key);
  const releaseDir = supervised.environment.SUPERVISOR_RELEASE_DIR ?? '';

  test('runs the supervisor of the release `current` points to, and every generation from `current` too', () => {
    // `current` beside the releases, in the directory the plain unit runs from.
    expect(releaseDir).toBe(`${plain.values('Service', 'WorkingDirectory')[0]}/current`);
    const [node] = plain.values('Service', 'ExecStart')[0]!.split(' ');
    expect(service('ExecStart')).toEqual([`${node} ${releaseDir}/dist/supervisor.js`]);
    const config = loadConfig({ ...supervised.environment, ...passedSockets });
    expect(config.supervisorReleaseDir).toBe(releaseDir);
    // A generation runs the entry the plain unit starts.
    expect(plain.values('Service', 'ExecStart')[0]!.split(' ').at(-1)).toBe(config.supervisorEntry);
  });

  test('reloads by SIGHUP to its main process, which hands over to a new generation', () => {
    expect(service('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
    // Type=exec and node as ExecStart's own command: $MAINPID is the supervisor, whose pid never changes.
    expect(service('Type')).toEqual(['exec']);
    expect(service('ExecStart')[0]).toMatch(/^\/usr\/bin\/node /);
  });

  test('stops with SIGTERM to the supervisor alone, which passes it on, waiting as long as its grace period', () => {
    expect(service('KillSignal')).toEqual(['SIGTERM']);
    expect(service('KillMode')).toEqual(['mixed']);
    expect(service('TimeoutStopSec')).toEqual([supervised.environment.TERMINATION_GRACE_PERIOD_SECONDS]);
    expect(supervised.environment).toMatchObject({ PRESTOP_MODE: 'none' });
  });

  test('lets the supervisor give a generation started nicer its own priority back, and no more', async () => {
    // "+0" is a nice value: RLIMIT_NICE 20, so going back down stops at nice 0, the supervisor's.
    expect(service('LimitNICE')).toEqual(['+0']);
    expect(loadConfig(supervised.environment).supervisorStartupNice).toBeGreaterThan(0);
    const { stdout } = await run('systemd-analyze', ['syscall-filter']);
    const allowed = allowedSyscalls(syscallGroups(stdout), supervised.values('Service', 'SystemCallFilter'));
    expect(allowed.has('setpriority')).toBe(true);
    // No Nice=: the supervisor runs at 0, the value LimitNICE=+0 lets a generation return to.
    expect(service('Nice')).toEqual([]);
  });

  test('its environment is one the supervisor and its generations accept, with a shutdown that fits TimeoutStopSec', () => {
    // The supervisor's own (systemd's LISTEN_* included), and a generation's: the same, with LISTEN_* of its own.
    const generation = { ...supervised.environment, ...passedSockets, SERVICE_GENERATION: '1' };
    for (const env of [{ ...supervised.environment, ...passedSockets }, generation]) {
      expectShutdownFits(supervised, env);
      expectShutdownFits(supervised, { ...env, ...withDb });
    }
  });
});
