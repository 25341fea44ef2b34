import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../free-port.js';
import type { HaproxyBinary } from './ensure-haproxy.js';
import { haproxyConfig } from './haproxy-config.js';
import { runtimeCommand } from './runtime-api.js';

export interface HaproxyProcess {
  /** The frontend, on 127.0.0.1. */
  readonly port: number;
  readonly adminSocketPath: string;
  /** Stops HAProxy and removes its temporary directory. */
  stop(): Promise<void>;
}

/** Starts `haproxy -db` (foreground: no daemon, no systemd unit) and waits until its runtime API answers. */
async function spawnOnFreePort(binary: HaproxyBinary, dir: string, socketPath: string) {
  const port = await freePort();
  const configPath = join(dir, 'haproxy.cfg');
  await writeFile(configPath, haproxyConfig({ frontendPort: port, adminSocketPath: socketPath }));
  const child = spawn(binary.path, ['-db', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-10_000)));
  let ended = false;
  child.once('close', () => (ended = true));
  child.once('error', (error) => (stderr += String(error)));
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    if (ended) {
      // Another process took the port between freePort() and HAProxy's bind: the caller tries another.
      if (/cannot bind socket/i.test(stderr)) return undefined;
      throw new Error(`haproxy exited (${child.exitCode ?? child.signalCode}) at start:\n${stderr}`);
    }
    try {
      await runtimeCommand(socketPath, 'show info', 1000);
      return { child, port };
    } catch {
      await delay(50);
    }
  }
  child.kill('SIGKILL');
  throw new Error(`haproxy did not open its runtime API in 10 s:\n${stderr}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, 'exit');
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), 2000);
  await gone;
  clearTimeout(forced);
}

/** An HAProxy process of the test's own, with its configuration and runtime API socket in a temporary directory. */
export async function startHaproxy(binary: HaproxyBinary): Promise<HaproxyProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'rollout-haproxy-'));
  const adminSocketPath = join(dir, 'admin.sock');
  let started: Awaited<ReturnType<typeof spawnOnFreePort>>;
  try {
    for (let attempt = 0; attempt < 5 && !started; attempt += 1) {
      started = await spawnOnFreePort(binary, dir, adminSocketPath);
    }
    if (!started) throw new Error('haproxy found no free port to bind in 5 attempts');
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const { child, port } = started;
  // Last resort if the test process exits without stop(): HAProxy would otherwise outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    port,
    adminSocketPath,
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
