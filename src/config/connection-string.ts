/** The parts of an ADO.NET connection string this service understands. */
export interface ConnectionStringParts {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  encrypt?: 'true' | 'strict' | 'false';
  trustServerCertificate?: boolean;
  connectTimeoutMs?: number;
}

const keys: Record<string, keyof ConnectionStringParts | 'server'> = {
  server: 'server',
  'data source': 'server',
  address: 'server',
  addr: 'server',
  'network address': 'server',
  database: 'database',
  'initial catalog': 'database',
  'user id': 'user',
  uid: 'user',
  user: 'user',
  password: 'password',
  pwd: 'password',
  encrypt: 'encrypt',
  trustservercertificate: 'trustServerCertificate',
  'trust server certificate': 'trustServerCertificate',
  'connect timeout': 'connectTimeoutMs',
  'connection timeout': 'connectTimeoutMs',
};

const encryptValues: Record<string, ConnectionStringParts['encrypt']> = {
  true: 'true',
  yes: 'true',
  mandatory: 'true',
  strict: 'strict',
  false: 'false',
  no: 'false',
  optional: 'false',
};

/**
 * Parses `Key=Value;…` with `{…}` or quoted values, as SqlClient does. Returns the parts and one
 * problem per key it could not use; never echoes a value back (the string holds the password).
 * @see https://learn.microsoft.com/en-us/dotnet/api/microsoft.data.sqlclient.sqlconnection.connectionstring
 */
export function parseConnectionString(input: string): { parts: ConnectionStringParts; problems: string[] } {
  const parts: ConnectionStringParts = {};
  const problems: string[] = [];
  for (const [rawKey, value] of splitPairs(input, problems)) {
    const key = rawKey.toLowerCase().replace(/\s+/g, ' ');
    const target = keys[key];
    if (!target) {
      problems.push(`unsupported key "${rawKey}"`);
    } else if (target === 'server') {
      // `tcp:host,port`; a named instance (`host\\name`) needs SQL Browser, which a pod should not.
      const match = /^(?:tcp:)?([^,\\]+)(?:,(\d+))?$/i.exec(value);
      if (!match) problems.push(`"${rawKey}" must look like tcp:host,port`);
      else {
        parts.host = match[1]!.trim();
        if (match[2]) parts.port = Number(match[2]);
      }
    } else if (target === 'encrypt') {
      const encrypt = encryptValues[value.toLowerCase()];
      if (encrypt) parts.encrypt = encrypt;
      else problems.push(`"${rawKey}" must be true, strict or false`);
    } else if (target === 'trustServerCertificate') {
      if (!/^(true|false|yes|no)$/i.test(value)) problems.push(`"${rawKey}" must be true or false`);
      else parts.trustServerCertificate = /^(true|yes)$/i.test(value);
    } else if (target === 'connectTimeoutMs') {
      if (!/^\d+$/.test(value)) problems.push(`"${rawKey}" must be a number of seconds`);
      else parts.connectTimeoutMs = Number(value) * 1000;
    } else {
      parts[target as 'database' | 'user' | 'password'] = value;
    }
  }
  return { parts, problems };
}

function* splitPairs(input: string, problems: string[]): Generator<[string, string]> {
  let rest = input.trim();
  while (rest.length > 0) {
    const eq = rest.indexOf('=');
    if (eq < 0) {
      problems.push('expected Key=Value pairs separated by semicolons');
      return;
    }
    const key = rest.slice(0, eq).trim();
    rest = rest.slice(eq + 1).trimStart();
    let value: string;
    const quote = rest[0] === '{' ? '}' : rest[0] === '"' || rest[0] === "'" ? rest[0] : undefined;
    if (quote) {
      // A closing quote is escaped by doubling it.
      let i = 1;
      value = '';
      for (; i < rest.length; i++) {
        if (rest[i] === quote && rest[i + 1] === quote) value += rest[i++];
        else if (rest[i] === quote) break;
        else value += rest[i];
      }
      if (i >= rest.length) {
        problems.push(`"${key}" has an unterminated quoted value`);
        return;
      }
      rest = rest.slice(i + 1).trimStart();
      if (rest.length > 0 && rest[0] !== ';') {
        problems.push(`"${key}" has text after its quoted value`);
        return;
      }
    } else {
      const semi = rest.indexOf(';');
      value = (semi < 0 ? rest : rest.slice(0, semi)).trim();
      rest = semi < 0 ? '' : rest.slice(semi);
    }
    rest = rest.replace(/^;\s*/, '');
    if (key.length > 0) yield [key, value];
  }
}
