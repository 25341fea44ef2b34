import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HaproxyBinary {
  readonly path: string;
  /** As `haproxy -v` prints it, e.g. 2.6.12-1+deb12u4. */
  readonly version: string;
  /** Whether this run had to install it. */
  readonly installed: boolean;
}

async function findHaproxy(): Promise<string | undefined> {
  // Debian puts it in /usr/sbin, which a non-root PATH often lacks.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, 'haproxy');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Installs HAProxy from Debian's packages. Only the binary is used: the suite starts its own process
 * with its own configuration, and the package's service (which listens on no port by default) is
 * left alone.
 */
async function installHaproxy(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'haproxy is not installed, and this process is not root so cannot install it: ' +
        'run `sudo apt-get install haproxy` (Debian/Ubuntu) or put a haproxy binary on PATH',
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Other jobs on the machine may hold dpkg's lock for a while: wait for it rather than fail.
  const lock = ['-o', 'DPkg::Lock::Timeout=180'];
  try {
    await run('apt-get', [...lock, 'update', '-qq'], { env, maxBuffer: 16 << 20 });
    await run('apt-get', [...lock, 'install', '-y', '-qq', 'haproxy'], { env, maxBuffer: 16 << 20 });
  } catch (error) {
    const { stderr = '', message } = error as { stderr?: string; message: string };
    throw new Error(`installing haproxy with apt-get failed: ${message}\n${stderr}`);
  }
}

/** The HAProxy binary to run, installed from Debian's packages where it is missing. */
export async function ensureHaproxy(): Promise<HaproxyBinary> {
  const found = await findHaproxy();
  const installed = found === undefined;
  if (installed) await installHaproxy();
  const path = found ?? (await findHaproxy());
  if (!path) throw new Error('apt-get installed haproxy, but no haproxy binary is on PATH or in /usr/sbin');
  const { stdout } = await run(path, ['-v']);
  const version = /version (\S+)/i.exec(stdout)?.[1];
  if (!version) throw new Error(`cannot read the version from \`${path} -v\`: ${stdout}`);
  return { path, version, installed };
}
