import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { LogLine } from '../service-process.js';

/** A log line with the moment (performance.now() in the test process) it was read. */
export type SeenLine = LogLine & { readonly seenAt: number };

export interface LoggedProcess {
  readonly pid: number;
  readonly lines: SeenLine[];
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves with the first line, already read or still to come, that matches; rejects on exit or timeout. */
  waitFor(predicate: (line: SeenLine) => boolean, timeoutMs?: number): Promise<SeenLine>;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL to its process group and to every process group named in `groups` (its generations). */
  kill(): Promise<void>;
}

export interface LoggedProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  /** More process groups to kill with it, read from its lines (a supervisor's generations). */
  readonly groups?: (lines: readonly SeenLine[]) => number[];
}

/**
 * A program that writes JSON lines to stdout (the supervisor and its generations, or the service),
 * started in a process group of its own so that `kill()` ends it and whatever it started, even when
 * a test fails halfway.
 */
export function startLoggedProcess(options: LoggedProcessOptions): LoggedProcess {
  const child = spawn(options.command, options.args, {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: SeenLine[] = [];
  const wakers = new Set<() => void>();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text, raw: true };
    }
    lines.push({ ...line, seenAt: performance.now() });
    for (const wake of wakers) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal, at: performance.now() });
      for (const wake of wakers) wake();
    });
  });
  const dump = () =>
    `last lines:\n${lines
      .slice(-40)
      .map((l) => JSON.stringify(l))
      .join('\n')}\nstderr:\n${stderr.slice(-4000)}`;
  const killGroup = (pid: number) => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  };
  return {
    pid: child.pid!,
    lines,
    stderr: () => stderr,
    exited,
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(predicate);
          if (found) return settle(() => resolve(found));
          if (child.exitCode !== null || child.signalCode !== null) {
            settle(() => reject(new Error(`the process exited before the awaited line\n${dump()}`)));
          }
        };
        const timer = setTimeout(
          () => settle(() => reject(new Error(`no such line in ${timeoutMs} ms\n${dump()}`))),
          timeoutMs,
        );
        const settle = (done: () => void) => {
          clearTimeout(timer);
          wakers.delete(check);
          done();
        };
        wakers.add(check);
        check();
      });
    },
    signal(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async kill() {
      for (const pid of options.groups?.(lines) ?? []) killGroup(pid);
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child.pid!);
        await exited;
      }
    },
  };
}
