import { afterEach, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { buildTestService } from '../support/test-app.js';

const apps: FastifyInstance[] = [];
const agents: Agent[] = [];

/** The service's app listener on a free port, in `ready`; the test drives the lifecycle and the drain itself. */
async function listening() {
  const { service } = await buildTestService({
    DEBUG_ROUTES: 'true',
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_HOST: '127.0.0.1',
    ADMIN_PORT: '0',
  });
  const { app, admin, lifecycle } = service;
  apps.push(app, admin);
  const { app: port } = await service.listen();
  lifecycle.enter('ready');
  return { app, lifecycle, port };
}

interface Answer {
  status: number;
  connection: string | undefined;
  socket: Socket;
}

function get(port: number, path: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.once('end', () =>
        resolve({ status: res.statusCode!, connection: res.headers.connection, socket: req.socket! }),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

const keepAliveAgent = () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  return agent;
};

afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('keep-alive draining on a real socket', () => {
  it('a request on an open keep-alive connection during draining is served, then that connection closes', async () => {
    const { app, lifecycle, port } = await listening();
    const agent = keepAliveAgent();
    const first = await get(port, '/', agent);
    expect(first).toMatchObject({ status: 200, connection: 'keep-alive' });

    lifecycle.enter('draining');
    const second = await get(port, '/', agent);
    expect(second.socket).toBe(first.socket); // the same connection, not a new one
    expect(second).toMatchObject({ status: 200, connection: 'close' });
    if (!second.socket.destroyed) await once(second.socket, 'close');
    expect(app.connectionDrain.openConnections()).toBe(0);
    expect(app.connectionDrain.counts.afterResponse).toBe(1);
  });

  it('with closes spread (a handoff), each keep-alive connection is told to close at its own moment, all within the spread', async () => {
    const { app, lifecycle, port } = await listening();
    const agents = Array.from({ length: 4 }, keepAliveAgent);
    for (const agent of agents) expect(await get(port, '/', agent)).toMatchObject({ connection: 'keep-alive' });

    lifecycle.enter('draining');
    const spreadMs = 400;
    const start = performance.now();
    app.connectionDrain.stopAccepting(spreadMs);
    // Each client keeps asking until told to close; when it is told is its moment.
    const toldAt = await Promise.all(
      agents.map(async (agent) => {
        for (;;) {
          const answer = await get(port, '/', agent);
          expect(answer.status).toBe(200);
          if (answer.connection === 'close') return performance.now() - start;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }),
    );
    const sorted = [...toldAt].sort((a, b) => a - b);
    // The first at once, the others a quarter of the spread apart, the last before it ends.
    expect(sorted[0]).toBeLessThan(60);
    expect(sorted[3]).toBeGreaterThanOrEqual(0.75 * spreadMs - 5);
    expect(sorted[3]).toBeLessThan(spreadMs + 60);
    for (let i = 1; i < 4; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThan(spreadMs / 4 - 60);
    expect(app.connectionDrain.counts.afterResponse).toBe(4);
  });

  it('with closes spread, the close phase tells every connection at once, whatever its moment', async () => {
    const { lifecycle, port, app } = await listening();
    const agents = Array.from({ length: 3 }, keepAliveAgent);
    for (const agent of agents) await get(port, '/', agent);
    lifecycle.enter('draining');
    app.connectionDrain.stopAccepting(60_000);
    // Connections are told in the order they were opened: the first one's moment is now.
    const during = await Promise.all(agents.map((agent) => get(port, '/', agent)));
    expect(during.map((a) => a.connection)).toEqual(['close', 'keep-alive', 'keep-alive']);
    lifecycle.enter('closing');
    const closing = await Promise.all(agents.slice(1).map((agent) => get(port, '/', agent)));
    expect(closing.map((a) => a.connection)).toEqual(['close', 'close']);
  });

  it('closing stops accepting, closes idle connections at once and lets in-flight requests finish', async () => {
    const { app, lifecycle, port } = await listening();
    const idle = await get(port, '/', keepAliveAgent());
    const slow = get(port, '/debug/delay/300', keepAliveAgent());
    await new Promise((resolve) => setTimeout(resolve, 50));
    lifecycle.enter('draining');
    lifecycle.enter('closing');

    const closed = app.connectionDrain.close(5000);
    await once(idle.socket, 'close');
    const refused = connect({ host: '127.0.0.1', port });
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');

    await expect(slow).resolves.toMatchObject({ status: 200, connection: 'close' });
    await expect(closed).resolves.toEqual({ destroyed: 0 });
    expect(app.connectionDrain.counts).toEqual({ afterResponse: 1, idle: 1, forced: 0 });
  });

  it('at SHUTDOWN_TIMEOUT_MS, requests still in flight are destroyed and counted', async () => {
    const { app, lifecycle, port } = await listening();
    const slow = get(port, '/debug/delay/10000', keepAliveAgent());
    await new Promise((resolve) => setTimeout(resolve, 50));
    lifecycle.enter('closing');
    const started = performance.now();
    await expect(app.connectionDrain.close(200)).resolves.toEqual({ destroyed: 1 });
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(slow).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(app.connectionDrain.counts.forced).toBe(1);
  });
});
