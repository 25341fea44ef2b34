import { Connection, type ConnectionConfiguration } from 'tedious';
import type { DbTarget } from './target.js';

export interface ConnectOptions {
  readonly target: DbTarget;
  /** Overrides the target's database (e.g. `master` to create the database). */
  readonly database?: string;
  readonly requestTimeoutMs: number;
  readonly cancelTimeoutMs: number;
  readonly appName: string;
}

/** A tedious connection and what the pool needs to know about it. */
export interface DbConnection {
  readonly connection: Connection;
  readonly createdAt: number;
  /** Set by the connection's `error` or `end` event: it must leave the pool. */
  broken: Error | undefined;
  /** Set by the `end` event: the socket is gone. */
  ended: boolean;
}

/**
 * Opens one connection. Every connection gets its `error` and `end` listeners before connecting, so a
 * dropped socket marks it broken instead of crashing the process.
 */
export function connect(options: ConnectOptions, signal?: AbortSignal): Promise<DbConnection> {
  const { target } = options;
  const config: ConnectionConfiguration = {
    server: target.host,
    authentication: { type: 'default', options: { userName: target.user, password: target.password } },
    options: {
      port: target.port,
      database: options.database ?? target.database,
      // tedious refuses, with EENCRYPT, a server that does not negotiate TLS when encrypt is true.
      encrypt: target.encrypt === 'strict' ? 'strict' : target.encrypt === 'true',
      trustServerCertificate: target.trustServerCertificate,
      connectTimeout: target.connectTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      cancelTimeout: options.cancelTimeoutMs,
      appName: options.appName,
      abortTransactionOnError: true,
    },
  };
  return new Promise((resolve, reject) => {
    const connection = new Connection(config);
    const db: DbConnection = { connection, createdAt: performance.now(), broken: undefined, ended: false };
    const markBroken = (error: Error) => (db.broken ??= error);
    connection.on('error', markBroken);
    connection.on('end', () => {
      db.ended = true;
      markBroken(new Error('connection closed'));
    });
    const onAbort = () => connection.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    connection.connect((error) => {
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        connection.close();
        reject(error);
      } else if (signal?.aborted) {
        connection.close();
        reject(signal.reason);
      } else {
        resolve(db);
      }
    });
  });
}

/** Closes a connection and resolves once its socket is gone (or at once if it already is). */
export function disconnect(db: DbConnection): Promise<void> {
  return new Promise((resolve) => {
    if (db.ended) return resolve();
    db.connection.once('end', () => resolve());
    db.connection.close();
  });
}
