import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const path = '/usr/bin/systemd-socket-activate';

/**
 * systemd-socket-activate, from Debian's systemd package: it opens listening sockets and execs a
 * program with them passed by systemd's protocol (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES). Installed
 * where missing; only the binary is used, no systemd runs.
 */
export async function ensureSocketActivate(): Promise<{ path: string; version: string; installed: boolean }> {
  let installed = false;
  try {
    await access(path, constants.X_OK);
  } catch {
    if (process.getuid?.() !== 0) {
      throw new Error('systemd-socket-activate is missing and this process is not root: apt-get install systemd');
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const lock = ['-o', 'DPkg::Lock::Timeout=180'];
    await run('apt-get', [...lock, 'update', '-qq'], { env, maxBuffer: 16 << 20 });
    await run('apt-get', [...lock, 'install', '-y', '-qq', '--no-install-recommends', 'systemd'], {
      env,
      maxBuffer: 16 << 20,
    });
    installed = true;
  }
  const { stdout } = await run(path, ['--version']);
  return { path, version: /systemd (\d+)/.exec(stdout)?.[1] ?? stdout.split('\n')[0]!, installed };
}
