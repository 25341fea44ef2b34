import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ListenerName } from '../sockets/listen-fds.js';
import { isGenerationMessage, type HandoffMessage } from './protocol.js';
import type { HeldSocket } from './sockets.js';

export type GenerationOutcome =
  | { readonly status: 'ready'; readonly readyMs: number; readonly ports: { app: number; admin: number } }
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
}

/** Variables of systemd's protocol the supervisor itself may have received; each generation gets its own. */
const protocolVariables = ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'];

/**
 * Starts a generation with the sockets as its descriptors 3 (app) and 4 (admin), named in
 * LISTEN_FDNAMES, and an IPC channel on 5. LISTEN_PID must be the generation's own pid, which a parent
 * cannot know before the child exists: a shell sets it to its own pid (`$$`) and execs node, which
 * keeps that pid. Its own process group, so a terminal's Ctrl-C reaches the supervisor alone, which
 * passes it on once.
 */
export function startGeneration(options: GenerationOptions): Generation {
  const started = performance.now();
  const { releaseDir, sockets } = options;
  const instrumentation = pathToFileURL(join(releaseDir, 'dist/instrumentation.js')).href;
  const env = Object.fromEntries(
    Object.entries(options.env).filter(([name, value]) => value !== undefined && !protocolVariables.includes(name)),
  );
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'LISTEN_PID=$$ exec "$@"',
      'sh',
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
        resolve({ status: 'ready', readyMs: Math.round(performance.now() - started), ports: message.ports });
      } else {
        resolve({ status: 'failed', error: message.error });
      }
    });
    child.once('error', (error) => resolve({ status: 'failed', error: `could not start: ${error.message}` }));
    void exited.then(({ code, signal }) =>
      resolve({ status: 'failed', error: `exited before it was ready (${signal ?? `code ${code}`})` }),
    );
  });
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
