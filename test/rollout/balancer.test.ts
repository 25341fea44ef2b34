import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { Agent, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../support/free-port.js';
import { startBalancer, type Balancer } from '../support/haproxy/balancer.js';
import { ensureHaproxy, type HaproxyBinary } from '../support/haproxy/ensure-haproxy.js';
import { exchange } from '../support/http-exchange.js';

let haproxy: HaproxyBinary;
let balancer: Balancer | undefined;
const backends: Server[] = [];

beforeAll(async () => {
  haproxy = await ensureHaproxy();
  console.log(`HAProxy ${haproxy.version} at ${haproxy.path}${haproxy.installed ? ', installed by this run' : ''}`);
}, 300_000);

afterEach(async () => {
  await balancer?.close();
  balancer = undefined;
  await Promise.all(backends.splice(0).map((server) => server.close(() => undefined).closeAllConnections()));
});

/** A pod stand-in that answers every request with its name. */
async function backend(name: string): Promise<number> {
  const server = createServer((_request, response) => response.end(name));
  backends.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const get = (agent: Agent) => exchange(agent, { path: '/', origin: balancer!.origin, timeoutMs: 5000 });
const oneShot = () => get(new Agent({ keepAlive: false }));

describe('HAProxy as the kube-proxy stand-in', () => {
  it('an endpoint taken out keeps its established keep-alive connection, while new connections go to the others', async () => {
    const ports = { a: await backend('a'), b: await backend('b') };
    balancer = await startBalancer(haproxy);
    await balancer.add(ports.a);
    await balancer.add(ports.b);
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await get(keepAlive);
    const pinned = first.body as 'a' | 'b';
    const other = pinned === 'a' ? 'b' : 'a';

    await balancer.remove(ports[pinned]);
    const established = [];
    for (let i = 0; i < 5; i += 1) established.push(await get(keepAlive));
    const fresh = [];
    for (let i = 0; i < 6; i += 1) fresh.push(await oneShot());

    expect(established.map((r) => [r.status, r.body, r.reusedSocket])).toEqual(Array(5).fill([200, pinned, true]));
    expect(fresh.map((r) => [r.status, r.body])).toEqual(Array(6).fill([200, other]));
    keepAlive.destroy();
    // Its only connection was the keep-alive one; HAProxy lets it go once that has closed.
    expect(await balancer.forget(ports[pinned])).toEqual({ connections: 1, failedConnects: 0, openAtRemoval: 1 });
  });

  it('a connection sent to an endpoint whose listener is closed fails: it is neither retried nor redispatched', async () => {
    const closedPort = await freePort();
    const openPort = await backend('open');
    balancer = await startBalancer(haproxy);
    await balancer.add(closedPort);
    await balancer.add(openPort);
    const outcomes = [];
    for (let i = 0; i < 6; i += 1) outcomes.push(await oneShot());

    const failed = outcomes.filter((r) => r.status === undefined);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((r) => r.error))).toEqual(new Set(['ECONNRESET']));
    expect(outcomes.filter((r) => r.status === 200).map((r) => r.body)).toEqual(Array(6 - failed.length).fill('open'));
    // HAProxy counts them, which tells a refusal apart from a connection cut later.
    const refused = { connections: failed.length, failedConnects: failed.length, openAtRemoval: 0 };
    await balancer.remove(closedPort);
    expect(await balancer.forget(closedPort)).toEqual(refused);
  });
});
