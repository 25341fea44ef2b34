import type { Socket } from 'node:net';
import { ProtocolError } from './buffers.js';
import type { Engine, Session } from './engine.js';
import type { EventBody, EventLog } from './event-log.js';
import { answerLogin, type LoginContext } from './login.js';
import { parseLogin7 } from './login7.js';
import { encodeMessage, type Message, MessageReader, PacketType } from './packets.js';
import { preloginResponse, readClientEncryption } from './prelogin.js';
import { attentionAck, errorResponse, ignoredResponse, type StatementKind } from './responses.js';
import { DEFAULT_PACKET_SIZE } from './server-info.js';
import { notSupportedByStandin } from './sql-errors.js';
import { StatementRunner } from './statement.js';

/**
 * One client connection to the SQL Server test double: PRELOGIN, LOGIN7, then requests answered one
 * at a time, in order. ATTENTION is acted on the moment it arrives (it aborts the statement in flight)
 * but answered in turn, after the response to the request it interrupted.
 */

export interface ConnectionContext extends LoginContext {
  readonly engine: Engine;
  readonly log: EventLog;
  /** Resolves at once unless the stand-in is stalled, and when the stall ends otherwise. */
  running(): Promise<void>;
  nextStatementId(): number;
}

interface Queued {
  readonly message: Message;
  /** An ATTENTION arrived after this request but before it ran. */
  interrupted: boolean;
}

/**
 * After refusing a login SQL Server closes the connection. Closing in the same breath hands tedious the
 * ERROR token and the end of the stream together, and which one it acts on first ("Login failed" or
 * "socket hang up") would be up to its event ordering. tedious hangs up itself once it has read the
 * error, so the stand-in waits for that, and closes only if the client does not.
 */
const LOGIN_FAILURE_LINGER_MS = 2000;

export class ClientConnection {
  /** Resolves when the socket has closed, for whatever reason. */
  readonly closed: Promise<void>;
  private readonly reader = new MessageReader();
  private readonly closing = new AbortController();
  private readonly queue: Queued[] = [];
  private phase: 'prelogin' | 'login' | 'ready' | 'done' = 'prelogin';
  private draining = false;
  private packetSize = DEFAULT_PACKET_SIZE;
  private session: Session | undefined;
  private runner: StatementRunner | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly ctx: ConnectionContext,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve(this.onClose())));
    socket.setNoDelay(true);
    socket.on('error', () => {}); // a client that resets is routine here; 'close' follows
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.log({ type: 'connect', remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 });
  }

  /** Stops reading; what the client sends meanwhile waits in the socket buffers. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private log(body: EventBody): void {
    this.ctx.log.record(this.id, body);
  }

  private onData(chunk: Buffer): void {
    let messages: Message[];
    try {
      messages = this.reader.push(chunk);
    } catch {
      this.socket.destroy(); // corrupt framing: there is no way back into step with the client
      return;
    }
    for (const message of messages) {
      if (message.type === PacketType.Attention && this.phase === 'ready') this.onAttention();
      this.queue.push({ message, interrupted: false });
    }
    void this.drain();
  }

  private onAttention(): void {
    const inFlight = this.runner?.interrupt() ?? false;
    for (const queued of this.queue) queued.interrupted = true;
    this.log({ type: 'attention', sessionId: this.session?.id, inFlight });
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && this.phase !== 'done') {
        await this.ctx.running();
        const next = this.queue.shift();
        if (next) await this.handle(next);
      }
    } catch {
      this.socket.destroy(); // a malformed request (ProtocolError): the stream cannot be trusted any more
    } finally {
      this.draining = false;
    }
  }

  private async handle({ message, interrupted }: Queued): Promise<void> {
    if (message.ignored) {
      if (this.phase === 'ready') await this.send(ignoredResponse());
      return;
    }
    switch (message.type) {
      case PacketType.PreLogin:
        return this.onPrelogin(message.payload);
      case PacketType.Login7:
        return this.onLogin(message.payload);
      case PacketType.SqlBatch:
        return this.onStatement('batch', message.payload, interrupted);
      case PacketType.Rpc:
        return this.onStatement('rpc', message.payload, interrupted);
      case PacketType.Attention:
        if (this.phase === 'ready') await this.send(attentionAck());
        return;
      default: {
        if (this.phase !== 'ready') throw new ProtocolError(`packet type ${message.type} before login`);
        const hex = message.type.toString(16).toUpperCase().padStart(2, '0');
        const error = notSupportedByStandin(`TDS messages of packet type 0x${hex}`);
        return this.send(errorResponse('batch', [error], this.ctx.serverName));
      }
    }
  }

  private async onPrelogin(payload: Buffer): Promise<void> {
    if (this.phase !== 'prelogin') throw new ProtocolError('PRELOGIN out of order');
    this.log({ type: 'prelogin', clientEncryption: readClientEncryption(payload) });
    this.phase = 'login';
    await this.send(preloginResponse());
  }

  private async onLogin(payload: Buffer): Promise<void> {
    if (this.phase !== 'login') throw new ProtocolError('LOGIN7 out of order');
    const login = parseLogin7(payload);
    const answer = answerLogin(login, this.ctx, this.closing.signal);
    if (!answer.accepted) {
      this.phase = 'done';
      const { reason, errorNumber } = answer;
      this.log({ type: 'login-refused', user: login.userName, reason, errorNumber });
      await this.send(answer.response);
      this.lingerTimer = setTimeout(() => this.socket.destroy(), LOGIN_FAILURE_LINGER_MS);
      return;
    }
    const { session, packetSize } = answer;
    this.session = session;
    const { engine, serverName } = this.ctx;
    const nextStatementId = () => this.ctx.nextStatementId();
    this.runner = new StatementRunner({ engine, serverName, nextStatementId, log: (body) => this.log(body) }, session);
    const { database, user } = session;
    this.log({ type: 'login', sessionId: session.id, user, database, appName: login.appName, packetSize });
    await this.send(answer.response);
    this.packetSize = packetSize; // both sides switch with the message after the login response
    this.phase = 'ready';
  }

  private async onStatement(kind: StatementKind, payload: Buffer, interrupted: boolean): Promise<void> {
    if (this.phase !== 'ready' || this.runner === undefined) throw new ProtocolError(`${kind} before login`);
    const response = await this.runner.run(kind, payload, interrupted);
    if (response) await this.send(response);
  }

  private async send(payload: Buffer): Promise<void> {
    await this.ctx.running();
    if (this.socket.destroyed || !this.socket.writable) return;
    const spid = this.session?.id ?? 0;
    this.socket.write(encodeMessage(PacketType.TabularResult, payload, this.packetSize, spid));
  }

  private onClose(): void {
    this.phase = 'done';
    clearTimeout(this.lingerTimer);
    this.queue.length = 0;
    this.closing.abort(new Error('the client connection closed'));
    let sessionClosedError: unknown;
    try {
      if (this.session) this.ctx.engine.sessionClosed?.(this.session);
    } catch (error) {
      sessionClosedError = error;
    }
    const failure = sessionClosedError === undefined ? {} : { sessionClosedError };
    this.log({ type: 'close', sessionId: this.session?.id, ...failure });
  }
}
