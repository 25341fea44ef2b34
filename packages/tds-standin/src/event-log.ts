import type { BoundParameter } from './engine.js';
import type { ClientEncryption } from './prelogin.js';
import type { StatementKind } from './responses.js';

/**
 * What happened on the SQL Server test double, in order, so tests can wait for an event instead of
 * sleeping and can check the order of things (seq rises by one per event across all connections).
 */

interface EventBase {
  readonly seq: number;
  /** Date.now() when recorded. */
  readonly at: number;
  /** performance.now() when recorded, for durations. */
  readonly atMs: number;
  /** Per stand-in, from 1, in the order TCP connections were accepted. */
  readonly connectionId: number;
}

export type LoginRefusal = 'bad-credentials' | 'refusing-logins' | 'unknown-database';
export type StatementOutcome = 'ok' | 'error' | 'cancelled';

interface Statement {
  readonly sessionId: number;
  /** Per stand-in, from 1; pairs a statement-start with its statement-end. */
  readonly statementId: number;
  readonly kind: StatementKind;
  readonly text: string;
}

export type EventBody =
  | { readonly type: 'connect'; readonly remoteAddress: string; readonly remotePort: number }
  | { readonly type: 'prelogin'; readonly clientEncryption: ClientEncryption }
  | {
      readonly type: 'login';
      readonly sessionId: number;
      readonly user: string;
      readonly database: string;
      readonly appName: string;
      readonly packetSize: number;
    }
  | {
      readonly type: 'login-refused';
      readonly user: string;
      readonly reason: LoginRefusal;
      readonly errorNumber: number;
    }
  | (Statement & { readonly type: 'statement-start'; readonly params: readonly BoundParameter[] })
  | (Statement & {
      readonly type: 'statement-end';
      readonly outcome: StatementOutcome;
      readonly errorNumber?: number;
      readonly errorMessage?: string;
      /** What the engine threw when it was not a SqlServerError (answered as error 50000). */
      readonly internalError?: unknown;
    })
  | { readonly type: 'attention'; readonly sessionId?: number; readonly inFlight: boolean }
  | {
      readonly type: 'close';
      readonly sessionId?: number;
      /** What engine.sessionClosed threw, if it did. */
      readonly sessionClosedError?: unknown;
    };

export type StandinEvent = EventBase & EventBody;

interface Waiter {
  readonly predicate: (event: StandinEvent) => boolean;
  readonly resolve: (event: StandinEvent) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class EventLog {
  private readonly list: StandinEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private seq = 0;

  constructor(private readonly onEvent: (event: StandinEvent) => void) {}

  /** The live log; `clear()` empties it in place. */
  get events(): readonly StandinEvent[] {
    return this.list;
  }

  record(connectionId: number, body: EventBody): StandinEvent {
    const event: StandinEvent = { seq: ++this.seq, at: Date.now(), atMs: performance.now(), connectionId, ...body };
    this.list.push(event);
    for (const waiter of this.waiters) {
      if (waiter.predicate(event)) this.settle(waiter, () => waiter.resolve(event));
    }
    try {
      this.onEvent(event);
    } catch (error) {
      // A listener's bug must not break the connection that happened to record the event.
      queueMicrotask(() => {
        throw error;
      });
    }
    return event;
  }

  clear(): void {
    this.list.length = 0;
  }

  /** Resolves with the first matching event, looking at the events already recorded first. */
  waitFor(predicate: (event: StandinEvent) => boolean, timeoutMs: number): Promise<StandinEvent> {
    const seen = this.list.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => this.settle(waiter, () => reject(this.timeoutError(timeoutMs))), timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Rejects every pending waitFor, so a closed stand-in leaves no timer behind. */
  rejectWaiters(reason: string): void {
    for (const waiter of this.waiters) this.settle(waiter, () => waiter.reject(new Error(reason)));
  }

  private settle(waiter: Waiter, how: () => void): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
    how();
  }

  private timeoutError(timeoutMs: number): Error {
    const recent = this.list
      .slice(-8)
      .map((e) => `#${e.seq} ${e.type} (connection ${e.connectionId})`)
      .join(', ');
    return new Error(`no matching TDS stand-in event within ${timeoutMs} ms; latest: ${recent || 'none'}`);
  }
}
