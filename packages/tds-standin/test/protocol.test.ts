import { afterEach, describe, expect, it } from '@jest/globals';
import { Connection, Request, TYPES, type ConnectionConfiguration } from 'tedious';
import {
  SqlServerError,
  startTdsStandin,
  type ColumnDef,
  type Engine,
  type StatementRequest,
  type StatementResult,
  type TdsStandin,
} from 'tds-standin';

/**
 * The TDS stand-in's protocol layer against the real tedious driver. The statements mean whatever the
 * fake engine below says; what is under test is everything between the socket and the engine.
 */

const PASSWORD = 'Str0ng!Passw0rd';

/** A fake engine, just enough to exercise the wire: it knows a handful of made-up statements. */
class FakeEngine implements Engine {
  readonly requests: StatementRequest[] = [];
  readonly aborted: string[] = [];
  readonly closedSessions: number[] = [];

  async execute(request: StatementRequest): Promise<readonly StatementResult[]> {
    this.requests.push(request);
    const { text, params, signal } = request;
    if (/^set /i.test(text)) return []; // tedious's initial SQL after login
    if (text === 'ECHO') return [echo(request)];
    if (text === 'SELECT 1') return [{ columns: [col('one', 'int')], rows: [[1]], rowCount: 1 }];
    const rows = /^ROWS (\d+)$/.exec(text);
    if (rows) return [manyRows(Number(rows[1]))];
    if (text === 'TWO STATEMENTS') return [{ rowCount: 2 }, { columns: [col('n', 'int')], rows: [[7]], rowCount: 1 }];
    if (text === 'LENGTH') return [{ columns: [col('length', 'int')], rows: [[String(params[0]?.value).length]] }];
    const fail = /^FAIL (\d+)$/.exec(text);
    if (fail) throw new SqlServerError(Number(fail[1]), `Failure ${fail[1]} on purpose.`, 14, 3, 7);
    if (text === 'CRASH') throw new Error('the fake engine fell over');
    if (/^WAITFOR DELAY/i.test(text)) {
      await waitUntilAborted(signal, () => this.aborted.push(text));
      return [];
    }
    throw new SqlServerError(102, `Incorrect syntax near '${text.slice(0, 20)}'.`, 15, 1, 1);
  }

  sessionClosed(session: { id: number }): void {
    this.closedSessions.push(session.id);
  }
}

function col(name: string, type: ColumnDef['type'], length?: number): ColumnDef {
  return { name, type, nullable: true, length };
}

/** One column per bound parameter, same name and type, one row with the values as received. */
function echo({ params }: StatementRequest): StatementResult {
  const columns = params.map(({ name, type, value }) => {
    const limit = type === 'nvarchar' ? 4000 : 8000;
    // Short strings go back with a length, long ones and NULLs as (max) PLP: both encodings get used.
    const length = typeof value === 'string' && value.length <= limit ? limit : undefined;
    return col(name, type, type === 'nvarchar' || type === 'varchar' ? length : undefined);
  });
  return { columns, rows: [params.map((p) => p.value)], rowCount: 1 };
}

function manyRows(count: number): StatementResult {
  const rows = Array.from({ length: count }, (_, i) => [i + 1, `row ${i + 1} ${'·'.repeat(40)}`]);
  return { columns: [col('id', 'int'), col('label', 'nvarchar', 100)], rows, rowCount: count };
}

/** WAITFOR that never finishes by itself: only ATTENTION (or a closed connection) ends it. */
function waitUntilAborted(signal: AbortSignal, onAbort: () => void): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener(
      'abort',
      () => {
        onAbort();
        reject(new SqlServerError(3621, 'The statement has been terminated.', 0, 0, 1));
      },
      { once: true },
    );
  });
}

const standins: TdsStandin[] = [];
/** Every tedious connection a test opened, with a promise of its 'end' (emitted exactly once). */
const connections = new Map<Connection, Promise<void>>();

afterEach(async () => {
  for (const connection of connections.keys()) connection.close();
  await Promise.all(connections.values());
  connections.clear();
  await Promise.all(standins.splice(0).map((standin) => standin.close()));
});

async function start(engine: Engine = new FakeEngine()): Promise<TdsStandin> {
  const standin = await startTdsStandin({ engine, password: PASSWORD, database: 'shop', serverName: 'standin-test' });
  standins.push(standin);
  return standin;
}

type Options = NonNullable<ConnectionConfiguration['options']>;

/** A tedious connection that is closed after the test; rejects with tedious's connect error. */
function connect(standin: TdsStandin, options: Options = {}, password = PASSWORD): Promise<Connection> {
  const connection = new Connection({
    server: standin.host,
    authentication: { type: 'default', options: { userName: 'sa', password } },
    options: { port: standin.port, encrypt: false, database: 'shop', connectTimeout: 5000, ...options },
  });
  connections.set(connection, new Promise((resolve) => connection.once('end', () => resolve())));
  connection.on('error', () => {}); // a dropped socket is asserted through 'end'
  return new Promise((resolve, reject) => {
    connection.connect((error) => (error ? reject(error) : resolve(connection)));
  });
}

interface Outcome {
  rows: unknown[][];
  rowCount: number | undefined;
}

interface Param {
  name: string;
  type: (typeof TYPES)[keyof typeof TYPES];
  value: unknown;
  options?: { length?: number; scale?: number };
}

/** Runs one request: sp_executesql when `params` is given (even empty), otherwise a SQL batch. */
function run(connection: Connection, sql: string, params?: Param[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const rows: unknown[][] = [];
    const request = new Request(sql, (error, rowCount) => (error ? reject(error) : resolve({ rows, rowCount })));
    for (const p of params ?? []) request.addParameter(p.name, p.type, p.value, p.options);
    request.on('row', (columns: Array<{ value: unknown }>) => rows.push(columns.map((c) => c.value)));
    if (params) connection.execSql(request);
    else connection.execSqlBatch(request);
  });
}

describe('login', () => {
  it('accepts the configured user and password and hands tedious’s initial SQL to the engine', async () => {
    const engine = new FakeEngine();
    const standin = await start(engine);
    const connection = await connect(standin);

    await expect(run(connection, 'SELECT 1')).resolves.toEqual({ rows: [[1]], rowCount: 1 });
    expect(engine.requests[0]).toMatchObject({ kind: 'batch', text: expect.stringContaining('set textsize') });
    expect(engine.requests[0]?.session).toMatchObject({ id: 51, user: 'sa', database: 'shop' });
    expect(standin.events.map((e) => e.type).slice(0, 5)).toEqual([
      'connect',
      'prelogin',
      'login',
      'statement-start',
      'statement-end',
    ]);
    expect(standin.connections()).toBe(1);
  });

  it('gives every session its own id, from 51 up', async () => {
    const engine = new FakeEngine();
    const standin = await start(engine);
    await connect(standin);
    await connect(standin);
    const logins = standin.events.filter((e) => e.type === 'login');
    expect(logins.map((e) => e.sessionId).sort()).toEqual([51, 52]);
  });

  it('refuses a wrong password with 18456 “Login failed” and closes the connection', async () => {
    const standin = await start();
    const error = await connect(standin, {}, 'wrong').catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'ELOGIN', message: "Login failed for user 'sa'." });
    const refused = await standin.waitFor((e) => e.type === 'login-refused');
    expect(refused).toMatchObject({ reason: 'bad-credentials', errorNumber: 18456 });
    await standin.waitFor((e) => e.type === 'close' && e.connectionId === refused.connectionId);
  });

  it('refuses a database it does not have with 4060, as SQL Server does', async () => {
    const standin = await start();
    const error = await connect(standin, { database: 'elsewhere' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ELOGIN', message: "Login failed for user 'sa'." });
    await standin.waitFor((e) => e.type === 'login-refused' && e.reason === 'unknown-database');
  });

  it('offers no TLS, so tedious with encrypt: true refuses the server itself (EENCRYPT)', async () => {
    const standin = await start();
    const error = await connect(standin, { encrypt: true }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'EENCRYPT' });
    await standin.waitFor((e) => e.type === 'prelogin' && e.clientEncryption === 'on');
    expect(standin.events.some((e) => e.type === 'login')).toBe(false);
  });

  it('honours the packet size the client asks for', async () => {
    const standin = await start();
    await connect(standin, { packetSize: 512 });
    await standin.waitFor((e) => e.type === 'login' && e.packetSize === 512);
  });
});

describe('parameters and results', () => {
  it('round-trips every supported type through sp_executesql, NULLs included', async () => {
    const engine = new FakeEngine();
    const standin = await start(engine);
    const connection = await connect(standin);
    const when = new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 123));
    // tedious runs outside Jest's realm (test/support/native-require), where this Date fails
    // `instanceof Date` and would be re-parsed from its string form without milliseconds. An ISO
    // string takes tedious's own exact parse instead.
    const whenForTedious = when.toISOString();
    const params: Param[] = [
      { name: 'int', type: TYPES.Int, value: -2147483648 },
      { name: 'big', type: TYPES.BigInt, value: 9007199254740993n },
      { name: 'small', type: TYPES.BigInt, value: 42 },
      { name: 'yes', type: TYPES.Bit, value: true },
      { name: 'no', type: TYPES.Bit, value: false },
      { name: 'text', type: TYPES.NVarChar, value: 'Grüße, 世界 🚀' },
      { name: 'empty', type: TYPES.NVarChar, value: '' },
      { name: 'nothing', type: TYPES.NVarChar, value: null },
      { name: 'ascii', type: TYPES.VarChar, value: 'café €5' },
      { name: 'at', type: TYPES.DateTime2, value: whenForTedious, options: { scale: 3 } },
      { name: 'noint', type: TYPES.Int, value: null },
      { name: 'nobit', type: TYPES.Bit, value: null },
      { name: 'nodate', type: TYPES.DateTime2, value: null, options: { scale: 3 } },
    ];

    const { rows, rowCount } = await run(connection, 'ECHO', params);

    expect(rowCount).toBe(1);
    const [int, big, small, yes, no, text, empty, nothing, ascii, at, noint, nobit, nodate] = rows[0] ?? [];
    expect([int, big, small, yes, no, text, empty, nothing, ascii]).toEqual([
      -2147483648,
      '9007199254740993', // tedious returns bigint as a string
      '42',
      true,
      false,
      'Grüße, 世界 🚀',
      '',
      null,
      'café €5',
    ]);
    expect((at as Date).getTime()).toBe(when.getTime());
    expect([noint, nobit, nodate]).toEqual([null, null, null]);

    const received = engine.requests.find((r) => r.text === 'ECHO')?.params;
    expect(received?.slice(0, 5)).toEqual([
      { name: 'int', type: 'int', value: -2147483648 },
      { name: 'big', type: 'bigint', value: 9007199254740993n }, // not a safe integer: stays a bigint
      { name: 'small', type: 'bigint', value: 42 },
      { name: 'yes', type: 'bit', value: true },
      { name: 'no', type: 'bit', value: false },
    ]);
    expect(received?.[9]).toEqual({ name: 'at', type: 'datetime2', value: when });
  });

  it('reassembles a 100 kB nvarchar(max) parameter sent in 512-byte packets', async () => {
    const standin = await start();
    const connection = await connect(standin, { packetSize: 512 });
    const big = 'ü✓'.repeat(50_000);

    const { rows } = await run(connection, 'ECHO', [{ name: 'big', type: TYPES.NVarChar, value: big }]);
    expect(rows[0]?.[0]).toBe(big);
    const { rows: length } = await run(connection, 'LENGTH', [{ name: 'big', type: TYPES.NVarChar, value: big }]);
    expect(length).toEqual([[100_000]]);
  });

  it('reassembles a long SQL batch text spread over many packets', async () => {
    const engine = new FakeEngine();
    const standin = await start(engine);
    const connection = await connect(standin, { packetSize: 512 });
    const text = `SELECT 1 ${'-'.repeat(20_000)}`;

    await expect(run(connection, text)).rejects.toMatchObject({ number: 102 });
    expect(engine.requests.at(-1)?.text).toBe(text);
  });

  it('splits a large result over many packets of the negotiated size', async () => {
    const standin = await start();
    const connection = await connect(standin, { packetSize: 512 });

    const { rows, rowCount } = await run(connection, 'ROWS 5000');
    expect(rowCount).toBe(5000);
    expect(rows).toHaveLength(5000);
    expect(rows[4999]).toEqual([5000, `row 5000 ${'·'.repeat(40)}`]);
  });

  it('adds up the row counts of several statements in one batch and in one RPC', async () => {
    const standin = await start();
    const connection = await connect(standin);

    await expect(run(connection, 'TWO STATEMENTS')).resolves.toEqual({ rows: [[7]], rowCount: 3 });
    await expect(run(connection, 'TWO STATEMENTS', [])).resolves.toEqual({ rows: [[7]], rowCount: 3 });
  });
});

describe('errors', () => {
  it.each([
    ['a SQL batch', undefined],
    ['sp_executesql', [] as Param[]],
  ])('an engine SqlServerError reaches tedious as a RequestError with its number (%s)', async (_, params) => {
    const standin = await start();
    const connection = await connect(standin);

    const error = await run(connection, 'FAIL 2627', params).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'EREQUEST',
      number: 2627,
      class: 14,
      state: 3,
      lineNumber: 7,
      serverName: 'standin-test',
      message: 'Failure 2627 on purpose.',
    });
    await expect(run(connection, 'SELECT 1')).resolves.toMatchObject({ rows: [[1]] });
  });

  it('answers anything else the engine throws with error 50000, logs it and keeps serving', async () => {
    const standin = await start();
    const connection = await connect(standin);

    await expect(run(connection, 'CRASH')).rejects.toMatchObject({ number: 50000, class: 16 });
    const end = await standin.waitFor((e) => e.type === 'statement-end' && e.text === 'CRASH');
    expect(end).toMatchObject({ outcome: 'error', errorNumber: 50000 });
    expect(end.type === 'statement-end' && end.internalError).toEqual(new Error('the fake engine fell over'));
    await expect(run(connection, 'SELECT 1')).resolves.toMatchObject({ rows: [[1]] });
  });

  it('answers a parameter type it does not implement with 8016, without calling the engine', async () => {
    const engine = new FakeEngine();
    const standin = await start(engine);
    const connection = await connect(standin);

    const error = await run(connection, 'ECHO', [{ name: 'f', type: TYPES.Float, value: 1.5 }]).catch((e) => e);
    expect(error).toMatchObject({ number: 8016, message: expect.stringContaining('Parameter 3 ("@f")') });
    expect(engine.requests.some((r) => r.text === 'ECHO')).toBe(false);
    await expect(run(connection, 'SELECT 1')).resolves.toMatchObject({ rows: [[1]] });
  });

  it('answers an unknown stored procedure with 2812', async () => {
    const standin = await start();
    const connection = await connect(standin);

    const error = await new Promise((resolve) => {
      connection.callProcedure(new Request('dbo.no_such_proc', resolve));
    });
    expect(error).toMatchObject({ number: 2812, message: "Could not find stored procedure 'dbo.no_such_proc'." });
  });
});

describe('attention', () => {
  it('cancel() aborts the engine’s signal, tedious reports ECANCEL and the connection stays usable', async () => {
    const engine = new FakeEngine();
    const standin = await start(engine);
    const connection = await connect(standin);

    const waiting = run(connection, "WAITFOR DELAY '00:01:00'", []);
    await standin.waitFor((e) => e.type === 'statement-start' && e.text.startsWith('WAITFOR'));
    connection.cancel();

    await expect(waiting).rejects.toMatchObject({ code: 'ECANCEL' });
    expect(engine.aborted).toEqual(["WAITFOR DELAY '00:01:00'"]);
    await standin.waitFor((e) => e.type === 'attention' && e.inFlight);
    await standin.waitFor((e) => e.type === 'statement-end' && e.outcome === 'cancelled');
    await expect(run(connection, 'SELECT 1')).resolves.toMatchObject({ rows: [[1]] });
  });

  it('tedious’s requestTimeout sends ATTENTION too: ETIMEOUT, and the connection stays usable', async () => {
    const engine = new FakeEngine();
    const standin = await start(engine);
    const connection = await connect(standin, { requestTimeout: 200 });

    await expect(run(connection, "WAITFOR DELAY '00:01:00'")).rejects.toMatchObject({ code: 'ETIMEOUT' });
    expect(engine.aborted).toHaveLength(1);
    await expect(run(connection, 'SELECT 1')).resolves.toMatchObject({ rows: [[1]] });
  });

  it('acknowledges an ATTENTION that arrives after the statement finished', async () => {
    const standin = await start();
    const connection = await connect(standin);

    const request = run(connection, 'ROWS 3');
    await standin.waitFor((e) => e.type === 'statement-end' && e.text === 'ROWS 3');
    connection.cancel();

    await expect(request).rejects.toMatchObject({ code: 'ECANCEL' });
    await standin.waitFor((e) => e.type === 'attention' && !e.inFlight);
    await expect(run(connection, 'SELECT 1')).resolves.toMatchObject({ rows: [[1]] });
  });

  it('drops a request the client abandoned half-sent (IGNORE bit) without running it', async () => {
    const engine = new FakeEngine();
    const standin = await start(engine);
    const connection = await connect(standin, { packetSize: 512 });

    const request = run(connection, 'ECHO', [{ name: 'big', type: TYPES.NVarChar, value: 'x'.repeat(200_000) }]);
    connection.cancel();

    await expect(request).rejects.toMatchObject({ code: 'ECANCEL' });
    await expect(run(connection, 'SELECT 1')).resolves.toMatchObject({ rows: [[1]] });
    expect(engine.requests.some((r) => r.text === 'ECHO')).toBe(false);
  });
});

describe('fault injection', () => {
  it('refuseLogins answers LOGIN7 with 18456 until turned off', async () => {
    const standin = await start();
    standin.refuseLogins(true);
    await expect(connect(standin)).rejects.toMatchObject({ code: 'ELOGIN', message: "Login failed for user 'sa'." });
    await standin.waitFor((e) => e.type === 'login-refused' && e.reason === 'refusing-logins');

    standin.refuseLogins(false);
    await expect(connect(standin)).resolves.toBeInstanceOf(Connection);
  });

  it('refuseConnections makes connects fail with ECONNREFUSED until turned off, sparing open ones', async () => {
    const standin = await start();
    const open = await connect(standin);
    await standin.refuseConnections(true);

    const error = await connect(standin).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ESOCKET', cause: { errors: [{ code: 'ECONNREFUSED' }] } });
    await expect(run(open, 'SELECT 1')).resolves.toMatchObject({ rows: [[1]] });

    await standin.refuseConnections(false);
    await expect(connect(standin)).resolves.toBeInstanceOf(Connection);
  });

  it('stall holds requests, unanswered, until it is turned off, then answers them', async () => {
    const standin = await start();
    const connection = await connect(standin);
    standin.stall(true);

    let answered = false;
    const request = run(connection, 'SELECT 1').finally(() => (answered = true));
    await expect(standin.waitFor((e) => e.type === 'statement-start' && e.text === 'SELECT 1', 300)).rejects.toThrow();
    expect(answered).toBe(false);

    standin.stall(false);
    await expect(request).resolves.toMatchObject({ rows: [[1]] });
  });

  it('a stalled stand-in lets tedious time out while connecting', async () => {
    const standin = await start();
    standin.stall(true);
    const error = await connect(standin, { connectTimeout: 300 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ETIMEOUT' });
    // Not reading, the stand-in has not even seen PRELOGIN (nor, like a hung server, the client leave).
    expect(standin.events.map((e) => e.type)).toEqual(['connect']);
  });

  it('dropAllConnections ends every tedious connection', async () => {
    const engine = new FakeEngine();
    const standin = await start(engine);
    const both = [await connect(standin), await connect(standin)];

    await standin.dropAllConnections();
    await Promise.all(both.map((connection) => connections.get(connection)));
    expect(standin.connections()).toBe(0);
    expect(engine.closedSessions.sort()).toEqual([51, 52]);
  });
});

describe('event log', () => {
  it('records statement-start before statement-end before close, with rising seq and timestamps', async () => {
    const standin = await start();
    const connection = await connect(standin);
    await run(connection, 'SELECT 1', [{ name: 'p', type: TYPES.Int, value: 5 }]);
    connection.close();
    const close = await standin.waitFor((e) => e.type === 'close');

    const began = standin.events.filter((e) => e.type === 'statement-start').find((e) => e.text === 'SELECT 1');
    const ended = standin.events.filter((e) => e.type === 'statement-end').find((e) => e.text === 'SELECT 1');
    expect(began).toMatchObject({ kind: 'rpc', params: [{ name: 'p', type: 'int', value: 5 }] });
    expect(ended).toMatchObject({ outcome: 'ok', statementId: began?.statementId });
    expect(began!.seq).toBeLessThan(ended!.seq);
    expect(ended!.seq).toBeLessThan(close.seq);
    const seqs = standin.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(ended!.atMs).toBeGreaterThanOrEqual(began!.atMs);
  });

  it('emits each event to listeners and forgets them on clearEvents', async () => {
    const standin = await start();
    const seen: string[] = [];
    standin.on('event', (e) => seen.push(e.type));
    await connect(standin);
    expect(seen.slice(0, 3)).toEqual(['connect', 'prelogin', 'login']);

    standin.clearEvents();
    expect(standin.events).toHaveLength(0);
  });

  it('close() is idempotent and rejects whoever still waits for an event', async () => {
    const standin = await start();
    const waiting = standin.waitFor((e) => e.type === 'attention', 60_000);
    await Promise.all([standin.close(), standin.close()]);
    await expect(waiting).rejects.toThrow('closed');
  });
});
