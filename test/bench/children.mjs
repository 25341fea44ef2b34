// Child processes of the bench: every server under test, and the trace sink. Each one logs JSON lines on
// stdout; it is ready once it logged `{"event":"listening","listener":"app","port":N}` and
// `{"event":"phase","phase":"ready"}` (the service does; the bench's own servers imitate it).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const startTimeoutMs = 30_000;
const stopTimeoutMs = 20_000;
/** Children still running, with the promise of their exit. */
const live = new Map();

/**
 * Starts `node <nodeArgs…>` with exactly `env` (plus PATH), so a developer's own PORT or OTEL_* settings
 * never leak into a measurement. Resolves once ready, with the ports it logged and the time it took.
 */
export async function startChild({ name, nodeArgs, env }) {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, nodeArgs, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code, signal]) => {
    live.delete(child);
    return { code, signal };
  });
  live.set(child, { name, exited });
  const logs = { lines: [], stderr: '' };
  child.stderr.setEncoding('utf8').on('data', (chunk) => (logs.stderr += chunk));
  const readyLine = await waitUntilReady(child, logs, exited, name);
  const listening = Object.fromEntries(logs.lines.filter(isListening).map((line) => [line.listener, line.port]));
  return {
    name,
    pid: child.pid,
    appPort: listening.app,
    adminPort: listening.admin,
    readyMs: performance.now() - spawnedAt,
    readyLine,
    logs,
    stop: () => stopChild(child, exited, name),
  };
}

const isListening = (line) => line.event === 'listening';
const isReady = (line) => line.event === 'phase' && line.phase === 'ready';

function waitUntilReady(child, logs, exited, name) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(
        new Error(
          `${name} ${why}\nstdout:\n${logs.lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${logs.stderr}`,
        ),
      );
    };
    const timer = setTimeout(() => fail(`not ready within ${startTimeoutMs} ms`), startTimeoutMs);
    void exited.then(({ code, signal }) => fail(`exited (${signal ?? code}) before it was ready`));
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = parseLine(text);
      logs.lines.push(line);
      if (!settled && isReady(line) && logs.lines.some((l) => isListening(l) && l.listener === 'app')) {
        settled = true;
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
}

function parseLine(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text };
  }
}

/** SIGTERM, then wait for the exit (SIGKILL after a timeout), so the next target gets a quiet machine. */
async function stopChild(child, exited, name) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => {
    console.error(`${name} did not exit within ${stopTimeoutMs} ms of SIGTERM: killing it`);
    child.kill('SIGKILL');
  }, stopTimeoutMs);
  const exit = await exited;
  clearTimeout(timer);
  return exit;
}

/** Stops every child still running: on the way out after a failure, or on Ctrl-C. */
export async function stopAllChildren() {
  await Promise.all([...live].map(([child, { name, exited }]) => stopChild(child, exited, name)));
}

/** Last resort in a `process.on('exit')` handler, where only synchronous calls run. */
export function killAllChildrenNow() {
  for (const child of live.keys()) child.kill('SIGKILL');
}
