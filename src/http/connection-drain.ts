import { Server, type Socket } from 'node:net';
import fp from 'fastify-plugin';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { DrainableListener } from '../lifecycle/terminator.js';
import { sleep } from '../timing/sleep.js';

export interface DrainCounts {
  /** Connections closed because a response told the client `Connection: close`. */
  afterResponse: number;
  /** Connections that had no request in flight when the listener closed. */
  idle: number;
  /** Connections destroyed at SHUTDOWN_TIMEOUT_MS with a request still in flight. */
  forced: number;
}

export interface ConnectionDrain extends DrainableListener {
  readonly counts: Readonly<DrainCounts>;
  /** Requests received on the app listener and not yet answered (read at scrape time). */
  requestsInFlight(): number;
}

declare module 'fastify' {
  interface FastifyInstance {
    connectionDrain: ConnectionDrain;
  }
}

interface Tracked {
  inFlight: number;
  closingAfterResponse: boolean;
  /** While draining with spread closes: not told to close before this (performance.now()). */
  closeFrom?: number;
}

/**
 * Keep-alive draining for the app listener. From `draining` on, every response carries
 * `Connection: close`, so each keep-alive client learns on its next exchange to open a new connection
 * (which the load balancer no longer sends here) instead of having an idle socket closed under a
 * request it is about to send. Replaces Fastify's `return503OnClosing` and `forceCloseConnections`,
 * which answer 503 or cut sockets instead.
 * @see https://github.com/nodejs/node/issues/47130 (ECONNRESET when a server closes a keep-alive connection)
 */
export const connectionDrainPlugin = fp<{ lifecycle: Lifecycle }>(
  async (app, { lifecycle }) => {
    const tracked = new Map<Socket, Tracked>();
    const counts: DrainCounts = { afterResponse: 0, idle: 0, forced: 0 };
    const emptied = new Set<() => void>();

    app.server.on('connection', (socket: Socket) => {
      const state: Tracked = { inFlight: 0, closingAfterResponse: false };
      tracked.set(socket, state);
      socket.once('close', () => {
        tracked.delete(socket);
        if (state.closingAfterResponse) counts.afterResponse += 1;
        if (tracked.size === 0) for (const notify of emptied) notify();
      });
    });
    app.server.on('request', (request, response) => {
      const state = tracked.get(request.socket);
      if (!state) return;
      state.inFlight += 1;
      response.once('close', () => (state.inFlight -= 1));
    });

    // Callback style: on every response, so no promise for what is almost always a no-op.
    app.addHook('onSend', (request, reply, payload, done) => {
      const phase = lifecycle.phase;
      if ((phase === 'draining' || phase === 'closing') && request.raw.httpVersionMajor === 1) {
        const state = tracked.get(request.raw.socket);
        // Spread closes (a handoff): this connection's moment may not have come yet.
        if (phase === 'closing' || state?.closeFrom === undefined || performance.now() >= state.closeFrom) {
          // Node ends the socket once a response with this header has been written.
          reply.header('connection', 'close');
          if (state) state.closingAfterResponse = true;
        }
      }
      done(null, payload);
    });

    const whenNoConnections: ConnectionDrain['whenNoConnections'] = (signal) =>
      new Promise((resolve) => {
        if (tracked.size === 0 || signal.aborted) return resolve();
        const finish = () => {
          emptied.delete(finish);
          signal.removeEventListener('abort', finish);
          resolve();
        };
        emptied.add(finish);
        signal.addEventListener('abort', finish, { once: true });
      });

    const drain: ConnectionDrain = {
      counts,
      requestsInFlight() {
        let sum = 0;
        for (const state of tracked.values()) sum += state.inFlight;
        return sum;
      },
      // net.Server's close, not http.Server's, which would also close idle keep-alive connections at
      // once (Node >= 19): those are for the sweep to end, after their next response.
      stopAccepting(spreadClosesMs = 0) {
        Server.prototype.close.call(app.server);
        if (spreadClosesMs <= 0) return;
        const start = performance.now();
        const open = [...tracked.values()];
        open.forEach((state, i) => (state.closeFrom = start + (spreadClosesMs * i) / open.length));
      },
      openConnections: () => tracked.size,
      whenNoConnections,
      async close(timeoutMs) {
        // Synchronously, so no connection is accepted in between: stop listening, close idle ones.
        app.server.close();
        for (const [socket, state] of tracked) {
          if (state.inFlight === 0 && !state.closingAfterResponse) {
            counts.idle += 1;
            socket.destroy();
          }
        }
        // Runs the app's onClose hooks once every connection has ended.
        const closed = app.close();
        const deadline = new AbortController();
        await Promise.race([whenNoConnections(deadline.signal), sleep(timeoutMs, deadline.signal)]);
        deadline.abort();
        const destroyed = tracked.size;
        counts.forced += destroyed;
        for (const socket of tracked.keys()) socket.destroy();
        await closed;
        return { destroyed };
      },
    };
    app.decorate('connectionDrain', drain);
  },
  { name: 'connection-drain' },
);
