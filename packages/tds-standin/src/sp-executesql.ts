import type { BoundParameter, SqlServerError } from './engine.js';
import type { RpcCall } from './rpc.js';
import {
  notSupportedByStandin,
  parameterNotSupplied,
  paramsParameterExpected,
  statementParameterExpected,
  tooManyArguments,
  unknownProcedure,
} from './sql-errors.js';

/**
 * What the SQL Server test double hands its engine for an RPC: sp_executesql's @stmt as the text and
 * the parameters after @params as BoundParameters. @params itself is only checked against the bound
 * parameters, the way SQL Server would complain about a mismatch.
 */
export interface RpcStatement {
  /** @stmt, or '' when there is none; kept even on error so the event log can show it. */
  readonly text: string;
  readonly params: readonly BoundParameter[];
  /** Why SQL Server would refuse this call before running anything. */
  readonly error?: SqlServerError;
}

/** `@name` occurrences in a declaration such as `@id int, @name nvarchar(50) OUTPUT`. */
function declaredNames(declaration: string): string[] {
  return [...declaration.matchAll(/@([\p{L}\p{N}_@#$]+)/gu)].map((m) => (m[1] ?? '').toLowerCase());
}

export function rpcStatement(call: RpcCall): RpcStatement {
  if (!call.isExecuteSql) return { text: '', params: [], error: unknownProcedure(call.procedure) };
  const [stmt, declaration, ...bound] = call.params;
  const stmtText = stmt?.type === 'nvarchar' && typeof stmt.value === 'string' ? stmt.value : undefined;
  const text = stmtText ?? '';
  const params = bound.map(({ name, type, value }) => ({ name, type, value }));
  const refuse = (error: SqlServerError): RpcStatement => ({ text, params, error });

  if (call.unreadable) return refuse(call.unreadable);
  if (stmtText === undefined) return refuse(statementParameterExpected());
  if (bound.length === 0) return { text, params };
  if (declaration?.type !== 'nvarchar' || typeof declaration.value !== 'string') {
    return refuse(paramsParameterExpected());
  }

  const declared = declaredNames(declaration.value);
  const output = bound.find((p) => p.output);
  if (output) return refuse(notSupportedByStandin(`OUTPUT parameters (@${output.name})`));
  if (bound.some((p) => !declared.includes(p.name.toLowerCase()))) return refuse(tooManyArguments('sp_executesql'));
  const supplied = new Set(bound.map((p) => p.name.toLowerCase()));
  const missing = declared.find((name) => !supplied.has(name));
  if (missing !== undefined) return refuse(parameterNotSupplied(declaration.value, missing));
  return { text, params };
}
