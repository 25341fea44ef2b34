import type { Session, SqlServerError } from './engine.js';
import type { LoginRefusal } from './event-log.js';
import type { Login7 } from './login7.js';
import { loginFailedResponse, loginResponse } from './responses.js';
import { negotiatePacketSize } from './server-info.js';
import { cannotOpenDatabase, loginFailed } from './sql-errors.js';

/**
 * The SQL Server test double's decision on a LOGIN7: accept it with a new session and the tokens SQL
 * Server sends on success, or refuse it with SQL Server's errors.
 */

export interface LoginContext {
  readonly user: string;
  readonly password: string;
  /** The database a login without one lands in; `master` is always there too. */
  readonly database: string;
  readonly serverName: string;
  refusingLogins(): boolean;
  nextSessionId(): number;
}

export type LoginAnswer =
  | { readonly accepted: true; readonly session: Session; readonly packetSize: number; readonly response: Buffer }
  | {
      readonly accepted: false;
      readonly reason: LoginRefusal;
      readonly errorNumber: number;
      readonly response: Buffer;
    };

export function answerLogin(login: Login7, ctx: LoginContext, closed: AbortSignal): LoginAnswer {
  const refuse = (reason: LoginRefusal, errors: SqlServerError[]): LoginAnswer => ({
    accepted: false,
    reason,
    errorNumber: errors[errors.length - 1]?.number ?? 18456,
    response: loginFailedResponse(errors, ctx.serverName),
  });
  // A server that is starting up refuses every login the same way, whatever the credentials.
  if (ctx.refusingLogins()) return refuse('refusing-logins', [loginFailed(login.userName)]);
  // Login names compare case-insensitively under the server's CI collation; passwords never do.
  if (login.userName.toLowerCase() !== ctx.user.toLowerCase() || login.password !== ctx.password) {
    return refuse('bad-credentials', [loginFailed(login.userName)]);
  }
  const database = login.database || ctx.database;
  const known = [ctx.database, 'master'].map((name) => name.toLowerCase());
  if (!known.includes(database.toLowerCase())) {
    return refuse('unknown-database', [cannotOpenDatabase(database), loginFailed(login.userName)]);
  }

  const session: Session = { id: ctx.nextSessionId(), user: login.userName, database, closed };
  const packetSize = negotiatePacketSize(login.packetSize);
  const response = loginResponse({ database, packetSize, serverName: ctx.serverName });
  return { accepted: true, session, packetSize, response };
}
