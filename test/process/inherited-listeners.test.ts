import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindSocket, type BoundSocket } from '../../src/sockets/bind.js';
import { exchange } from '../support/http-exchange.js';
import { killAll, startService, type LogLine, type StartOptions } from '../support/service-process.js';
import { startStandinDatabase, type TestDatabase } from '../support/test-database.js';

/** Everything a test opened, closed after it whatever happened. */
const opened: Array<() => unknown> = [];
let db: TestDatabase | undefined;

afterEach(async () => {
  await killAll();
  for (const close of opened.splice(0).reverse()) await close();
  await db?.close();
  db = undefined;
});

/** Two TCP sockets bound on loopback and not listening, as the supervisor holds them. */
async function bindSockets(): Promise<{ app: BoundSocket; admin: BoundSocket }> {
  const app = await bindSocket('127.0.0.1', 0);
  opened.push(() => app.close());
  const admin = await bindSocket('127.0.0.1', 0);
  opened.push(() => admin.close());
  return { app, admin };
}

/** The built service with `fds` as its descriptors 3 and 4, named app and admin, LISTEN_PID its own. */
function startOnSockets(fds: readonly number[], env: Record<string, string> = {}, options: StartOptions = {}) {
  return startService({
    fds,
    listenPidIsChild: true,
    ...options,
    env: { LISTEN_FDS: String(fds.length), LISTEN_FDNAMES: 'app:admin', ...env },
  });
}

const keepAliveAgent = () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  opened.push(() => agent.destroy());
  return agent;
};

const configInvalid = (l: LogLine) => l.event === 'config-invalid';

describe('the built service on inherited sockets (LISTEN_FDS)', () => {
  it('serves GET / and /readyz on the ports of the sockets it was given', async () => {
    const sockets = await bindSockets();
    const service = await startOnSockets([sockets.app.fd, sockets.admin.fd]);
    expect([service.appPort, service.adminPort]).toEqual([sockets.app.port, sockets.admin.port]);
    expect(service.logs.filter((l) => l.event === 'listening')).toEqual([
      expect.objectContaining({ listener: 'admin', port: sockets.admin.port, fd: 4 }),
      expect.objectContaining({ listener: 'app', port: sockets.app.port, fd: 3 }),
    ]);

    const root = await fetch(`http://127.0.0.1:${sockets.app.port}/`);
    expect(root.status).toBe(200);
    expect(await root.json()).toMatchObject({ name: 'k8s-service-starter' });
    expect((await fetch(`http://127.0.0.1:${sockets.admin.port}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${sockets.app.port}/readyz`)).status).toBe(200);
  });

  it('does not listen until its startup checks pass: while the database refuses logins, a connection is refused', async () => {
    db = await startStandinDatabase();
    await db.refuseLogins(true);
    const sockets = await bindSockets();
    const service = await startOnSockets([sockets.app.fd, sockets.admin.fd], db.env, { waitFor: 'spawned' });
    await service.waitForLog((l) => l.event === 'db-connect-retry');

    // Bound and not listening: the kernel refuses; had the service listened, it would answer 503.
    const early = await exchange(new Agent(), { path: '/', origin: { host: '127.0.0.1', port: sockets.app.port } });
    expect(early).toMatchObject({ error: 'ECONNREFUSED' });
    const probe = await exchange(new Agent(), {
      path: '/readyz',
      origin: { host: '127.0.0.1', port: sockets.admin.port },
    });
    expect(probe).toMatchObject({ error: 'ECONNREFUSED' });
    expect(service.logs.filter((l) => l.event === 'listening')).toEqual([]);

    await db.refuseLogins(false);
    await service.waitForLog((l) => l.event === 'listening' && l.listener === 'app');
    expect((await fetch(`http://127.0.0.1:${sockets.app.port}/`)).status).toBe(200);
    const order = service.logs.filter((l) => l.event === 'listening' || (l.event === 'phase' && l.phase === 'ready'));
    expect(order.map((l) => l.phase ?? l.listener)).toEqual(['ready', 'admin', 'app']);
  });

  it('on a socket that already listens (a previous process had it), a connection made while it starts waits, and is answered 200 once it is ready', async () => {
    const sockets = await bindSockets();
    const fds = [sockets.app.fd, sockets.admin.fd];
    const previous = await startOnSockets(fds);
    previous.kill('SIGTERM');
    expect(await previous.exited).toMatchObject({ code: 0, signal: null });

    db = await startStandinDatabase();
    await db.refuseLogins(true);
    const service = await startOnSockets(fds, { ...db.env, DB_CONNECT_RETRY_MIN_MS: '100' }, { waitFor: 'spawned' });
    await service.waitForLog((l) => l.event === 'db-connect-retry');
    let answeredAt = 0;
    const waiting = exchange(new Agent(), {
      path: '/',
      origin: { host: '127.0.0.1', port: sockets.app.port },
      timeoutMs: 30_000,
    }).then((result) => {
      answeredAt = Date.now();
      return result;
    });
    // Two more failed logins: the service is still starting, and the connection still waits.
    await service.waitForLog((l) => l.event === 'db-connect-retry' && l.attempt === 3);

    await db.refuseLogins(false);
    const answered = await waiting;
    expect(answered).toMatchObject({ status: 200 });
    // Answered only once ready: by the time the line says (the log itself is written in batches).
    const ready = await service.waitForLog((l) => l.event === 'phase' && l.phase === 'ready');
    expect(Date.parse(ready.time as string)).toBeLessThanOrEqual(answeredAt);
  });

  it('LISTEN_PID of another process: exits 1 with a config-invalid line naming LISTEN_PID', async () => {
    const sockets = await bindSockets();
    const service = await startService({
      fds: [sockets.app.fd, sockets.admin.fd],
      waitFor: 'spawned',
      env: { LISTEN_FDS: '2', LISTEN_FDNAMES: 'app:admin', LISTEN_PID: String(process.pid) },
    });
    expect(await service.exited).toMatchObject({ code: 1, signal: null });
    const line = service.logs.find(configInvalid);
    expect(line?.problems).toEqual([
      `LISTEN_PID: ${process.pid} is another process (this one is ${service.pid}); the descriptors were not passed to it`,
    ]);
    expect(service.logs.filter((l) => l.event === 'listening')).toEqual([]);
  });

  it('a descriptor named other than app or admin: exits 1 naming it', async () => {
    const sockets = await bindSockets();
    const service = await startOnSockets(
      [sockets.app.fd, sockets.admin.fd],
      { LISTEN_FDNAMES: 'app:metrics' },
      { waitFor: 'spawned' },
    );
    expect(await service.exited).toMatchObject({ code: 1, signal: null });
    expect(service.logs.find(configInvalid)?.problems).toEqual([
      'LISTEN_FDNAMES: fd 4 is named "metrics", not app or admin',
    ]);
  });

  it('a UNIX socket passed as the app listener: exits 1 saying it is not a TCP socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inherited-listeners-'));
    opened.push(() => rmSync(dir, { recursive: true, force: true }));
    const unix: Server = createServer();
    await new Promise<void>((resolve) => unix.listen(join(dir, 'app.sock'), resolve));
    opened.push(() => new Promise((resolve) => unix.close(resolve)));
    const unixFd = (unix as unknown as { _handle: { fd: number } })._handle.fd;
    const { admin } = await bindSockets();

    const service = await startOnSockets([unixFd, admin.fd], {}, { waitFor: 'spawned' });
    expect(await service.exited).toMatchObject({ code: 1, signal: null });
    expect(service.logs.find(configInvalid)?.problems).toEqual(['fd 3 (app) is not a TCP socket (a UNIX socket)']);
    expect(service.stderr()).toBe('');
  });

  it('on SIGTERM it stops accepting at once, answers a keep-alive client once more with Connection: close, exits 0, and the next process on the sockets answers what came meanwhile', async () => {
    const sockets = await bindSockets();
    const fds = [sockets.app.fd, sockets.admin.fd];
    const app = { host: '127.0.0.1', port: sockets.app.port };
    const adminOrigin = { host: '127.0.0.1', port: sockets.admin.port };
    const first = await startOnSockets(fds, { DRAIN_SWEEP_MS: '10000' });
    const client = keepAliveAgent();
    const probes = keepAliveAgent();
    expect(await exchange(client, { path: '/', origin: app })).toMatchObject({ status: 200, connectionClose: false });
    expect(await exchange(probes, { path: '/healthz', origin: adminOrigin })).toMatchObject({
      status: 200,
      connectionClose: false,
    });

    first.kill('SIGTERM');
    await first.waitForLog((l) => l.event === 'phase' && l.phase === 'draining');
    // A new connection now waits in the socket's queue: the draining process no longer accepts.
    let newcomerSettled = false;
    const newcomer = exchange(new Agent(), { path: '/', origin: app, timeoutMs: 30_000 }).then((result) => {
      newcomerSettled = true;
      return result;
    });

    const probe = await exchange(probes, { path: '/healthz', origin: adminOrigin });
    expect(probe).toMatchObject({ status: 200, connectionClose: true, reusedSocket: true });
    const last = await exchange(client, { path: '/', origin: app });
    expect(last).toMatchObject({ status: 200, connectionClose: true, reusedSocket: true });
    expect(newcomerSettled).toBe(false);

    const exit = await first.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(newcomerSettled).toBe(false);

    const next = await startOnSockets(fds);
    const answered = await newcomer;
    expect(answered).toMatchObject({ status: 200 });
    expect(answered.error).toBeUndefined();
    expect(answered.endedAt).toBeGreaterThan(exit.at);
    expect(next.logs.find((l) => l.event === 'phase' && l.phase === 'ready')).toBeDefined();
  });
});
