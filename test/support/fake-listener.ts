import type { DrainableListener } from '../../src/lifecycle/terminator.js';
import { sleep } from '../../src/timing/sleep.js';

/**
 * A test double of the app listener, for the terminator under fake timers: its in-flight requests take
 * `inFlightMs` (more than the close's deadline: 3 connections destroyed); it records `stop-accepting@<time>`
 * (`stop-accepting(spread <ms>)@<time>` when keep-alive closes are spread) and
 * `app-listener@<time>` in `events`; `closeAll` ends its open connections by hand.
 */
export function fakeListener(events: string[], { inFlightMs = 0, connections = 0 } = {}) {
  let open = connections;
  const emptied = new Set<() => void>();
  const listener: DrainableListener = {
    stopAccepting: (spreadClosesMs = 0) =>
      events.push(`stop-accepting${spreadClosesMs ? `(spread ${spreadClosesMs})` : ''}@${Date.now()}`),
    openConnections: () => open,
    whenNoConnections: (signal) =>
      new Promise((resolve) => {
        if (open === 0 || signal.aborted) return resolve();
        emptied.add(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    async close(timeoutMs) {
      events.push(`app-listener@${Date.now()}`);
      await sleep(Math.min(inFlightMs, timeoutMs));
      return { destroyed: inFlightMs > timeoutMs ? 3 : 0 };
    },
  };
  const closeAll = () => {
    open = 0;
    for (const wake of emptied) wake();
  };
  return { listener, closeAll };
}
