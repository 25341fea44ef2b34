import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { ClientConnection, type ConnectionContext } from './connection.js';
import type { Engine } from './engine.js';
import { EventLog, type StandinEvent } from './event-log.js';

export interface TdsStandinOptions {
  readonly engine: Engine;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port, read it back from `port`. */
  readonly port?: number;
  /** Default `sa`. */
  readonly user?: string;
  readonly password: string;
  /** The database a login without one lands in; default `master` (which is always accepted too). */
  readonly database?: string;
  /** What ERROR and INFO tokens name as the server; default `tds-standin`. */
  readonly serverName?: string;
}

/**
 * A TDS 7.4 stand-in: a test double impersonating SQL Server well enough for the `tedious` driver, over
 * plain TCP (it offers no TLS, so clients must use `encrypt: false`). This object is the protocol
 * layer; what statements mean is up to the Engine it is given. It records everything in an event log
 * and can inject the faults a real server shows: refused logins, a closed port, a stall, dropped
 * connections.
 */
export class TdsStandin extends EventEmitter<{ event: [StandinEvent] }> {
  private readonly log = new EventLog((event) => this.emit('event', event));
  private readonly clients = new Set<ClientConnection>();
  private readonly ctx: ConnectionContext;
  private listener: Server | undefined;
  private boundPort = 0;
  private refusingLogins = false;
  private stallGate: PromiseWithResolvers<void> | undefined;
  private lastConnectionId = 0;
  private lastSessionId = 50;
  private lastStatementId = 0;
  private closing: Promise<void> | undefined;

  private constructor(private readonly options: TdsStandinOptions) {
    super();
    this.ctx = {
      engine: options.engine,
      log: this.log,
      user: options.user ?? 'sa',
      password: options.password,
      database: options.database ?? 'master',
      serverName: options.serverName ?? 'tds-standin',
      refusingLogins: () => this.refusingLogins,
      nextSessionId: () => ++this.lastSessionId,
      nextStatementId: () => ++this.lastStatementId,
      running: () => this.running(),
    };
  }

  static async start(options: TdsStandinOptions): Promise<TdsStandin> {
    const standin = new TdsStandin(options);
    await standin.listen(options.port ?? 0);
    return standin;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.boundPort;
  }

  /** Every event since start or the last clearEvents(), oldest first (a live, read-only view). */
  get events(): readonly StandinEvent[] {
    return this.log.events;
  }

  clearEvents(): void {
    this.log.clear();
  }

  /** The first event, already recorded or still to come, that matches; rejects after `timeoutMs` (5 s). */
  waitFor<T extends StandinEvent>(predicate: (event: StandinEvent) => event is T, timeoutMs?: number): Promise<T>;
  waitFor(predicate: (event: StandinEvent) => boolean, timeoutMs?: number): Promise<StandinEvent>;
  waitFor(predicate: (event: StandinEvent) => boolean, timeoutMs = 5000): Promise<StandinEvent> {
    return this.log.waitFor(predicate, timeoutMs);
  }

  /** Open client connections. */
  connections(): number {
    return this.clients.size;
  }

  /** Answer every LOGIN7 with error 18456 and close, like a SQL Server that is still starting up. */
  refuseLogins(on: boolean): void {
    this.refusingLogins = on;
  }

  /**
   * Stop listening, so new connections are refused by the kernel like a port nobody serves yet (tedious:
   * ConnectionError ESOCKET "Failed to connect to host:port - Could not connect (sequence)", whose
   * cause holds the ECONNREFUSED). That is what a client meets while SQL Server's container is still
   * starting, rather than a connection that opens and drops. Open connections carry on. Turning it
   * off listens again on the same port.
   */
  async refuseConnections(on: boolean): Promise<void> {
    if (on) {
      this.listener?.close();
      this.listener = undefined;
    } else if (this.listener === undefined && this.closing === undefined) {
      await this.listen(this.boundPort);
    }
  }

  /** Keep sockets open but read and answer nothing until turned off; then carry on with what arrived. */
  stall(on: boolean): void {
    if (on && this.stallGate === undefined) {
      this.stallGate = Promise.withResolvers();
      for (const client of this.clients) client.pause();
    } else if (!on && this.stallGate !== undefined) {
      const gate = this.stallGate;
      this.stallGate = undefined;
      for (const client of this.clients) client.resume();
      gate.resolve();
    }
  }

  /** Destroys every client socket at once; resolves when they have all closed. */
  async dropAllConnections(): Promise<void> {
    const all = [...this.clients];
    for (const client of all) client.destroy();
    await Promise.all(all.map((client) => client.closed));
  }

  /** Destroys all sockets and stops listening; leaves no handle or timer behind. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    const unlistened = new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
    this.stall(false);
    await this.dropAllConnections();
    await unlistened;
    this.log.rejectWaiters('the TDS stand-in was closed');
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    this.boundPort = typeof address === 'object' && address !== null ? address.port : port;
    this.listener = server;
  }

  private accept(socket: Socket): void {
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    const client = new ClientConnection(++this.lastConnectionId, socket, this.ctx);
    this.clients.add(client);
    if (this.stallGate !== undefined) client.pause();
    void client.closed.then(() => this.clients.delete(client));
  }

  private async running(): Promise<void> {
    while (this.stallGate !== undefined) await this.stallGate.promise;
  }
}

export function startTdsStandin(options: TdsStandinOptions): Promise<TdsStandin> {
  return TdsStandin.start(options);
}
