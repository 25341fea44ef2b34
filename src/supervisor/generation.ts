import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ListenerName } from '../sockets/listen-fds.js';
import { setProcessNice } from './priority.js';
import { isGenerationMessage, type HandoffMessage } from './protocol.js';
import type { HeldSocket } from './sockets.js';

/** A generation started at a raised nice value and given `nice` back once ready: on how many threads, or why not. */
export type PriorityRestored =
  { readonly nice: number; readonly threads: number } | { readonly nice: number; readonly error: string };

export type GenerationOutcome =
  | {
      readonly status: 'ready';
      readonly readyMs: number;
      readonly ports: { app: number; admin: number };
      readonly priority?: PriorityRestored;
    }
  | { readonly status: 'failed'; readonly error: string };

export interface GenerationExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One generation of the service: a child process serving on the supervisor's sockets. */
export interface Generation {
  readonly number: number;
  readonly pid: number;
  /** `ready` once it serves; `failed`, in its own words, if it reports a failed startup or exits first. */
  readonly outcome: Promise<GenerationOutcome>;
  readonly exited: Promise<GenerationExit>;
  /** Tells it that the next generation serves the sockets now: it drains and exits. */
  handoff(): void;
  /** Sends `signal` to its process group (the generation and anything it started). */
  signal(signal: NodeJS.Signals): void;
}

export interface GenerationOptions {
  readonly number: number;
  /** Where it runs from (SUPERVISOR_RELEASE_DIR), resolved anew at every start: a symlink may have moved. */
  readonly releaseDir: string;
  /** Its entry module, relative to releaseDir (SUPERVISOR_ENTRY). */
  readonly entry: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly sockets: Readonly<Record<ListenerName, HeldSocket>>;
  /** Nice values to start at and to be given once ready (priority.ts); absent: the supervisor's own throughout. */
  readonly priority?: { readonly starting: number; readonly ready: number };
}

/** Variables of systemd's protocol the supervisor itself may have received; each generation gets its own. */
const protocolVariables = ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'];

/**
 * Starts a generation with the sockets as its descriptors 3 (app) and 4 (admin), named in
 * LISTEN_FDNAMES, and an IPC channel on 5. LISTEN_PID must be the generation's own pid, which a parent
 * cannot know before the child exists: a shell sets it to its own pid (`$$`) and execs node, which
 * keeps that pid. Its own process group, so a terminal's Ctrl-C reaches the supervisor alone, which
 * passes it on once. With `priority`, coreutils' nice execs node at the raised value (so every thread
 * Node starts has it), and each thread gets the ready value back once the generation is ready.
 */
export function startGeneration(options: GenerationOptions): Generation {
  const started = performance.now();
  const { releaseDir, sockets } = options;
  const instrumentation = pathToFileURL(join(releaseDir, 'dist/instrumentation.js')).href;
  const env = Object.fromEntries(
    Object.entries(options.env).filter(([name, value]) => value !== undefined && !protocolVariables.includes(name)),
  );
  const { priority } = options;
  const nice = priority ? ['nice', '-n', String(priority.starting - priority.ready)] : [];
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'LISTEN_PID=$$ exec "$@"',
      'sh',
      ...nice,
      process.execPath,
      '--import',
      instrumentation,
      join(releaseDir, options.entry),
    ],
    {
      cwd: releaseDir,
      env: { ...env, LISTEN_FDS: '2', LISTEN_FDNAMES: 'app:admin', SERVICE_GENERATION: String(options.number) },
      stdio: ['ignore', 'inherit', 'inherit', sockets.app.fd, sockets.admin.fd, 'ipc'],
      detached: true,
    },
  );
  const exited = new Promise<GenerationExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const outcome = new Promise<GenerationOutcome>((resolve) => {
    child.on('message', (message) => {
      if (!isGenerationMessage(message)) return;
      if (message.type === 'ready') {
        const readyMs = Math.round(performance.now() - started);
        resolve({ status: 'ready', readyMs, ports: message.ports, priority: priority && restore(priority.ready) });
      } else {
        resolve({ status: 'failed', error: message.error });
      }
    });
    child.once('error', (error) => resolve({ status: 'failed', error: `could not start: ${error.message}` }));
    void exited.then(({ code, signal }) =>
      resolve({ status: 'failed', error: `exited before it was ready (${signal ?? `code ${code}`})` }),
    );
  });
  function restore(nice: number): PriorityRestored {
    try {
      return { nice, threads: setProcessNice(child.pid!, nice) };
    } catch (error) {
      return { nice, error: (error as Error).message };
    }
  }
  return {
    number: options.number,
    pid: child.pid ?? -1,
    outcome,
    exited,
    handoff() {
      const message: HandoffMessage = { type: 'handoff' };
      if (child.connected) child.send(message);
      else child.kill('SIGTERM');
    },
    signal(signal) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Gone already.
      }
    },
  };
}
