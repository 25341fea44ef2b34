import { SqlServerError, type Engine, type Session, type StatementRequest, type StatementResult } from './engine.js';
import type { EventBody, StatementOutcome } from './event-log.js';
import { errorResponse, interruptedResponse, resultsResponse, type StatementKind } from './responses.js';
import { parseRpc } from './rpc.js';
import { rpcStatement } from './sp-executesql.js';
import { parseSqlBatch } from './sql-batch.js';
import { engineFailure } from './sql-errors.js';

/**
 * Runs the SQL batches and RPCs of one session of the SQL Server test double through the engine, one
 * at a time, and turns what the engine did into the response message. ATTENTION interrupts the call
 * in flight by aborting its signal; its results, if any still come, are dropped.
 */

export interface StatementContext {
  readonly engine: Engine;
  readonly serverName: string;
  nextStatementId(): number;
  log(body: EventBody): void;
}

type Settled = { readonly results: readonly StatementResult[] } | { readonly thrown: unknown };

export class StatementRunner {
  private current: { readonly controller: AbortController; interrupted: boolean } | undefined;

  constructor(
    private readonly ctx: StatementContext,
    private readonly session: Session,
  ) {}

  /** Aborts the engine call in flight, if there is one, and says whether there was. */
  interrupt(): boolean {
    if (this.current === undefined) return false;
    this.current.interrupted = true;
    this.current.controller.abort(new Error('ATTENTION: the client cancelled the request'));
    return true;
  }

  /**
   * The response to one request message, or undefined when the connection closed before there was
   * anyone to answer. Throws ProtocolError when the message is malformed.
   */
  async run(kind: StatementKind, payload: Buffer, interruptedBeforeStart: boolean): Promise<Buffer | undefined> {
    const { text, params, error } =
      kind === 'batch'
        ? { text: parseSqlBatch(payload), params: [], error: undefined }
        : rpcStatement(parseRpc(payload));
    const statement = { sessionId: this.session.id, statementId: this.ctx.nextStatementId(), kind, text };
    this.ctx.log({ type: 'statement-start', ...statement, params });
    const end = (outcome: StatementOutcome, failure?: SqlServerError, internalError?: unknown): void => {
      const details = failure ? { errorNumber: failure.number, errorMessage: failure.message } : {};
      const internal = internalError === undefined ? {} : { internalError };
      this.ctx.log({ type: 'statement-end', ...statement, outcome, ...details, ...internal });
    };
    if (error) {
      end('error', error);
      return errorResponse(kind, [error], this.ctx.serverName);
    }
    if (interruptedBeforeStart) {
      end('cancelled');
      return interruptedResponse(kind);
    }

    const settled = await this.execute({ kind, text, params });
    if (settled === 'interrupted') {
      end('cancelled');
      return this.session.closed.aborted ? undefined : interruptedResponse(kind);
    }
    let thrown = 'thrown' in settled ? settled.thrown : undefined;
    if ('results' in settled) {
      try {
        const response = resultsResponse(kind, settled.results);
        end('ok');
        return response;
      } catch (encodingError) {
        thrown = encodingError; // results the wire cannot carry are an engine bug like any other
      }
    }
    const failure = thrown instanceof SqlServerError ? thrown : engineFailure(thrown);
    end('error', failure, thrown instanceof SqlServerError ? undefined : thrown);
    return errorResponse(kind, [failure], this.ctx.serverName);
  }

  private async execute(request: Pick<StatementRequest, 'kind' | 'text' | 'params'>): Promise<Settled | 'interrupted'> {
    const current = { controller: new AbortController(), interrupted: false };
    this.current = current;
    const signal = AbortSignal.any([current.controller.signal, this.session.closed]);
    let settled: Settled;
    try {
      settled = { results: await this.ctx.engine.execute({ ...request, session: this.session, signal }) };
    } catch (thrown) {
      settled = { thrown };
    } finally {
      this.current = undefined;
    }
    return current.interrupted || this.session.closed.aborted ? 'interrupted' : settled;
  }
}
