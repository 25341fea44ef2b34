import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

export type LogLine = Record<string, unknown> & { msg?: string; event?: string; phase?: string };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() in the test process when the child exited. */
  at: number;
}

export interface ServiceProcess {
  readonly pid: number;
  readonly appPort: number;
  readonly adminPort: number;
  readonly logs: LogLine[];
  readonly stderr: () => string;
  readonly exited: Promise<Exit>;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  kill(signal: NodeJS.Signals): void;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Script to run, relative to the project root; defaults to the built service. */
  entry?: string;
  /** Resolve once the service logged `phase ready` (default), once it listens, or at once. */
  waitFor?: 'ready' | 'listening' | 'spawned';
  /** Descriptors of this process that the child gets as its fd 3, 4, … (sockets to inherit). */
  fds?: readonly number[];
  /**
   * Sets LISTEN_PID to the child's own pid, as systemd does: a shell sets it to its `$$` and execs
   * node, which keeps that pid (as src/supervisor/generation.ts starts a generation).
   */
  listenPidIsChild?: boolean;
}

const running = new Set<ChildProcess>();

/** Kills every child still running; call from afterEach so a failed test leaks nothing. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = once(child, 'exit');
        child.kill('SIGKILL');
        await gone;
      }
    }),
  );
}

/** Starts the built service as a child process, on free ports, logging JSON to a pipe we read. */
/**
 * What a service started by a test runs with unless the test says otherwise: only PATH from the test's
 * environment, both listeners on loopback on free ports, no request log, no tracing.
 */
export function quietServiceEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    ADMIN_HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_PORT: '0',
    LOG_REQUESTS: 'false',
    OTEL_SDK_DISABLED: 'true',
  };
}

export async function startService(options: StartOptions = {}): Promise<ServiceProcess> {
  const entry = resolve(process.cwd(), options.entry ?? 'dist/main.js');
  // The service runs as in production, tracing loaded first (it stays off unless a test turns it on).
  const instrumentation = pathToFileURL(resolve(process.cwd(), 'dist/instrumentation.js')).href;
  const preload = entry === resolve(process.cwd(), 'dist/main.js') ? ['--import', instrumentation] : [];
  const node = [process.execPath, ...preload, entry];
  const [command, ...args] = options.listenPidIsChild
    ? ['/bin/sh', '-c', 'LISTEN_PID=$$ exec "$@"', 'sh', ...node]
    : node;
  const child = spawn(command!, args, {
    env: { ...quietServiceEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.fds ?? [])],
  });
  running.add(child);
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      logs.push({ msg: line, raw: true });
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<Exit>((resolveExit) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolveExit({ code, signal, at: performance.now() });
      for (const wake of waiters) wake();
    });
  });

  function waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
    return new Promise((resolveLine, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found) return done(() => resolveLine(found));
        if (child.exitCode !== null || child.signalCode !== null) {
          done(() => reject(new Error(`service exited before the awaited log line\n${dump()}`)));
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no such log line in ${timeoutMs} ms\n${dump()}`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  }
  const dump = () => `stdout:\n${logs.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr}`;

  let appPort = 0;
  let adminPort = 0;
  if (options.waitFor !== 'spawned') {
    const listening = (listener: string) => (l: LogLine) => l.event === 'listening' && l.listener === listener;
    adminPort = (await waitForLog(listening('admin'))).port as number;
    appPort = (await waitForLog(listening('app'))).port as number;
    if (options.waitFor !== 'listening') await waitForLog((l) => l.event === 'phase' && l.phase === 'ready');
  }
  return {
    pid: child.pid!,
    appPort,
    adminPort,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog,
    kill: (signal) => {
      child.kill(signal);
    },
  };
}
