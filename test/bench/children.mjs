// Child processes of the bench: every server under test, the trace sink and the TDS stand-in, each in a
// process group of its own, so a stop or a kill reaches whatever it started too. By default a child is
// ready once it logged `{"event":"listening","listener":"app","port":N}` and `{"event":"phase","phase":"ready"}`
// on stdout (the service does; the bench's own servers imitate it); `readyWhen` reads other banners.
// After that, its stdout is only drained and counted: a pipe that the bench reads, as a container
// runtime reads a container's stdout, so log lines cost what writing them to a real pipe costs.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const startTimeoutMs = 30_000;
const stopTimeoutMs = 20_000;
/** Enough for any warning a run prints (the SDK's "Dropped N spans" is one short line each time). */
const stderrKeptBytes = 1 << 20;
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Children still running, with the promise of their exit. */
const live = new Map();

/** The default readiness: the `listening` lines seen so far give the ports, a `phase ready` line ends the wait. */
function jsonReadiness() {
  const ports = {};
  return (text) => {
    const line = parseLine(text);
    if (line.event === 'listening') ports[line.listener] = line.port;
    return line.event === 'phase' && line.phase === 'ready' && ports.app ? { ports, line } : undefined;
  };
}

/**
 * Starts `node <nodeArgs…>` in the project root with exactly `env` (plus PATH), so a developer's own
 * PORT or OTEL_* settings never leak into a measurement. Resolves once ready, with the ports it logged
 * and the time it took. `readyWhen(text)` answers `{ ports: { app, admin? }, line }` once a stdout
 * line shows the child is ready.
 */
export async function startChild({ name, nodeArgs, env, readyWhen = jsonReadiness() }) {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, nodeArgs, {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = once(child, 'exit').then(([code, signal]) => {
    live.delete(child);
    killGroup(child, 'SIGKILL'); // anything the child left behind in its group
    return { code, signal };
  });
  live.set(child, { name, exited });
  const logs = { lines: [], stderr: '', stderrTruncated: false, stdoutBytesAfterReady: 0, stdoutLinesAfterReady: 0 };
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    if (logs.stderr.length < stderrKeptBytes) logs.stderr += chunk;
    else logs.stderrTruncated = true;
  });
  const ready = await waitUntilReady(child, logs, exited, { name, readyWhen });
  drain(child.stdout, logs);
  return {
    name,
    pid: child.pid,
    appPort: ready.ports.app,
    adminPort: ready.ports.admin,
    readyMs: performance.now() - spawnedAt,
    readyLine: ready.line,
    logs,
    stop: () => stopChild(child, exited, name),
  };
}

function waitUntilReady(child, logs, exited, { name, readyWhen }) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const lines = createInterface({ input: child.stdout });
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup(child, 'SIGKILL');
      reject(new Error(`${name} ${why}\nstdout:\n${logs.lines.join('\n')}\nstderr:\n${logs.stderr}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${startTimeoutMs} ms`), startTimeoutMs);
    void exited.then(({ code, signal }) => fail(`exited (${signal ?? code}) before it was ready`));
    lines.on('line', (text) => {
      if (settled) return;
      logs.lines.push(text);
      const ready = readyWhen(text);
      if (!ready) return;
      settled = true;
      clearTimeout(timer);
      lines.close();
      resolve(ready);
    });
  });
}

/** From readiness on, stdout is read and counted, never parsed: the bench must not be the bottleneck. */
function drain(stdout, logs) {
  stdout.on('data', (chunk) => {
    logs.stdoutBytesAfterReady += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) logs.stdoutLinesAfterReady++;
  });
  stdout.resume();
}

function parseLine(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text };
  }
}

/** Signals the child's whole process group (it leads one: spawned detached); gone already is fine. */
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

/** SIGTERM, then wait for the exit (SIGKILL after a timeout), so the next target gets a quiet machine. */
async function stopChild(child, exited, name) {
  if (child.exitCode === null && child.signalCode === null) killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => {
    console.error(`${name} did not exit within ${stopTimeoutMs} ms of SIGTERM: killing it`);
    killGroup(child, 'SIGKILL');
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
  for (const child of live.keys()) killGroup(child, 'SIGKILL');
}
