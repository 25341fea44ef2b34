import { SqlServerError } from './engine.js';

/**
 * The errors the protocol layer of the SQL Server test double raises itself, with SQL Server's numbers,
 * severities and wording, so a client cannot tell them from the real thing. (Errors about statements
 * come from the engine.)
 */

/** SQL Server tells the client no more than this; the reason only goes to its own error log. */
export const loginFailed = (user: string): SqlServerError =>
  new SqlServerError(18456, `Login failed for user '${user}'.`, 14, 1, 1);

export const cannotOpenDatabase = (database: string): SqlServerError =>
  new SqlServerError(4060, `Cannot open database "${database}" requested by the login. The login failed.`, 11, 1, 1);

export const unknownProcedure = (name: string): SqlServerError =>
  new SqlServerError(2812, `Could not find stored procedure '${name}'.`, 16, 62, 1);

export const unsupportedParameterType = (ordinal: number, name: string, wire: number): SqlServerError =>
  new SqlServerError(
    8016,
    'The incoming tabular data stream (TDS) remote procedure call (RPC) protocol stream is incorrect. ' +
      `Parameter ${ordinal} ("@${name}"): Data type 0x${wire.toString(16).toUpperCase().padStart(2, '0')} is unknown.`,
    16,
    1,
    1,
  );

export const statementParameterExpected = (): SqlServerError =>
  new SqlServerError(214, "Procedure expects parameter '@statement' of type 'ntext/nchar/nvarchar'.", 16, 2, 1);

export const paramsParameterExpected = (): SqlServerError =>
  new SqlServerError(214, "Procedure expects parameter '@params' of type 'ntext/nchar/nvarchar'.", 16, 2, 1);

export const parameterNotSupplied = (declaration: string, name: string): SqlServerError =>
  new SqlServerError(
    8178,
    `The parameterized query '${declaration}' expects the parameter '@${name}', which was not supplied.`,
    16,
    1,
    1,
  );

export const tooManyArguments = (procedure: string): SqlServerError =>
  new SqlServerError(8144, `Procedure or function ${procedure} has too many arguments specified.`, 16, 2, 1);

/** Something real SQL Server would do but this stand-in does not; it fails loudly instead of guessing. */
export const notSupportedByStandin = (what: string): SqlServerError =>
  new SqlServerError(50000, `The TDS stand-in does not support ${what}.`, 16, 1, 1);

/** The engine threw something other than SqlServerError: a bug in the engine, reported like RAISERROR. */
export const engineFailure = (error: unknown): SqlServerError =>
  new SqlServerError(
    50000,
    `The TDS stand-in's engine failed: ${error instanceof Error ? error.message : String(error)}`,
    16,
    1,
    1,
  );
