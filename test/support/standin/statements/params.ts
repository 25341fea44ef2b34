import { SqlServerError, type ColumnDef, type SqlValue, type StatementRequest } from 'tds-standin';

/** The value bound to `@name`, refusing a missing one as SQL Server does (error 8178). */
export function param(request: StatementRequest, name: string): SqlValue {
  const bound = request.params.find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (!bound) {
    throw new SqlServerError(8178, `The parameterized query expects the parameter '@${name}', which was not supplied.`);
  }
  return bound.value;
}

export const text = (request: StatementRequest, name: string): string | null => {
  const value = param(request, name);
  return value === null ? null : String(value);
};

export const int = (request: StatementRequest, name: string): number => {
  const value = param(request, name);
  if (value === null) return Number.NaN;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new SqlServerError(8114, `Error converting data type nvarchar to bigint.`);
  return number;
};

export const column = (name: string, type: ColumnDef['type'], extra: Partial<ColumnDef> = {}): ColumnDef => ({
  name,
  type,
  nullable: false,
  ...extra,
});
