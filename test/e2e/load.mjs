// Traffic against the service while its pods are replaced, then a read-back of every acknowledged write.
// Plain Node ESM with node:* modules only, so it runs from a ConfigMap in the public node image (the e2e
// workflow) as well as on a laptop:
//
//   TARGET_URL=http://127.0.0.1:8080 DURATION_S=20 node test/e2e/load.mjs
//
// Clients, all in closed loops and never retried (a failure is counted, then the loop goes on):
// - CLIENTS_KEEPALIVE (16): one keep-alive connection each (node:http Agent, maxSockets 1), as the
//   services calling this one hold them; these meet a pod that goes away with a request on the socket.
// - CLIENTS_ONESHOT (4): a new connection per request; these meet a pod that stopped accepting.
// Each picks a request per turn: GET /, POST /orders (Idempotency-Key; now and then sent again, which must
// return the same order), GET /orders/:id of an acknowledged order, GET /debug/delay/<ms> and
// GET /debug/db-delay/<ms> (requests and queries in flight while a pod drains).
//
// It stops after DURATION_S, or once STOP_FILE exists (at most MAX_DURATION_S), or on SIGTERM/SIGINT.
// Then it reads back every acknowledged order and compares it with what was sent. It prints progress
// lines, one JSON summary line ({"event":"load-summary",...}) and a short table, and exits 1 on any
// failed request or lost write, 2 when it could not run (bad settings, target never answered), else 0.
import { randomUUID } from 'node:crypto';
import { lookup as resolveHost } from 'node:dns/promises';
import { existsSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const settings = readSettings(process.env);

/** Request kinds and their share of the turns; `get` falls back to `root` until an order exists. */
const mix = [
  ['root', 40],
  ['post', 30],
  ['get', 15],
  ['delay', 9],
  ['db-delay', 6],
];
/** One acknowledged order in REPLAY_EVERY is POSTed again with its key: the same order must come back. */
const REPLAY_EVERY = 10;
const FAILURE_PAUSE_MS = 100;

function readSettings(env) {
  const number = (name, fallback, min = 0) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) fail(`${name} must be an integer >= ${min}, got ${raw}`);
    return value;
  };
  if (!env.TARGET_URL) fail('TARGET_URL is required, e.g. http://my-service.default.svc.cluster.local');
  let target;
  try {
    target = new URL(env.TARGET_URL);
  } catch {
    fail(`TARGET_URL is not a URL: ${env.TARGET_URL}`);
  }
  if (target.protocol !== 'http:') fail(`TARGET_URL must be http://, got ${target.protocol}`);
  const durationS = number('DURATION_S', 0);
  const stopFile = env.STOP_FILE || '';
  if (!durationS && !stopFile) fail('set DURATION_S, or STOP_FILE (a path whose creation ends the run)');
  return {
    target,
    durationS,
    stopFile,
    maxDurationS: number('MAX_DURATION_S', 900, 1),
    keepAliveClients: number('CLIENTS_KEEPALIVE', 16),
    oneShotClients: number('CLIENTS_ONESHOT', 4),
    timeoutMs: number('REQUEST_TIMEOUT_MS', 15_000, 1),
    delayMaxMs: number('DELAY_MAX_MS', 3_000),
    dbDelayMaxMs: number('DB_DELAY_MAX_MS', 2_000),
    readyTimeoutS: number('READY_TIMEOUT_S', 120, 1),
    progressS: number('PROGRESS_S', 5, 1),
    verifyTimeoutS: number('VERIFY_TIMEOUT_S', 120, 1),
    reportFile: env.REPORT_FILE || '',
  };
}

function fail(message) {
  console.error(`load: ${message}`);
  process.exit(2);
}

const log = (event, fields = {}) => console.log(JSON.stringify({ event, atS: +elapsedS().toFixed(1), ...fields }));
let startedAt = performance.now();
const elapsedS = () => (performance.now() - startedAt) / 1000;
const randomInt = (min, max) => min + Math.floor(Math.random() * (max - min + 1));

/**
 * One HTTP request, never retried, settled whatever happens: `{ status, headers, body }` for a response,
 * `{ error }` otherwise. The whole exchange, connect to last byte, has `timeoutMs`.
 */
function send(agent, { method = 'GET', path, headers = {}, body }) {
  return new Promise((resolve) => {
    const started = performance.now();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let reusedSocket = false;
    let settled = false;
    const settle = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, reusedSocket, ms: performance.now() - started });
    };
    const req = request(
      new URL(path, settings.target),
      {
        agent,
        lookup: targetLookup,
        method,
        headers: {
          ...headers,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.once('end', () =>
          settle({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.once('error', (error) => settle({ error: errorCode(error) }));
      },
    );
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
      settings.timeoutMs,
    );
    req.once('socket', () => (reusedSocket = req.reusedSocket));
    req.once('error', (error) => settle({ error: errorCode(error) }));
    req.end(payload);
  });
}

/**
 * The target's address, resolved once before the run: a Service's ClusterIP does not change while its pods
 * are replaced, and this keeps the cluster DNS (and musl's resolver) out of what the run measures.
 */
let targetAddress;
function targetLookup(hostname, options, callback) {
  if (!targetAddress)
    return callback(Object.assign(new Error(`${hostname} not resolved yet`), { code: 'ENOTRESOLVED' }));
  if (options.all) return callback(null, [targetAddress]);
  callback(null, targetAddress.address, targetAddress.family);
}

/** "socket hang up" is Node's ECONNRESET for a socket closed before any response byte. */
const errorCode = (error) => error.code ?? error.message;

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What the failure tables group by: the status code, or the kind of network error. */
function classify(outcome) {
  if (outcome.error === undefined) return `HTTP ${outcome.status}`;
  if (outcome.error === 'ECONNRESET') return 'ECONNRESET';
  if (outcome.error === 'ECONNREFUSED') return 'ECONNREFUSED';
  if (outcome.error === 'TIMEOUT') return 'timeout';
  return `other (${outcome.error})`;
}

const stats = {
  byKind: new Map(),
  failures: new Map(),
  samples: [],
  acknowledged: [],
  replays: 0,
};

function record(client, kind, outcome, problem) {
  const entry = stats.byKind.get(kind) ?? { requests: 0, failed: 0, ms: [] };
  stats.byKind.set(kind, entry);
  entry.requests++;
  entry.ms.push(outcome.ms);
  if (!problem) return false;
  entry.failed++;
  stats.failures.set(problem, (stats.failures.get(problem) ?? 0) + 1);
  if (stats.samples.length < 30) {
    stats.samples.push({
      atS: +elapsedS().toFixed(2),
      client: client.name,
      kind,
      problem,
      reusedSocket: outcome.reusedSocket,
      ms: Math.round(outcome.ms),
      code: outcome.body ? parseJson(outcome.body)?.code : undefined,
    });
  }
  return true;
}

/** Keys and customers are this run's own, so runs against one database never share an Idempotency-Key. */
const runId = randomUUID().slice(0, 8);
let sequence = 0;

/** One turn of a client: picks a request, sends it, records the outcome; true when something failed. */
async function turn(client) {
  let kind = pick();
  if (kind === 'get' && stats.acknowledged.length === 0) kind = 'root';
  if (kind === 'root') {
    const outcome = await send(client.agent, { path: '/', headers: client.headers });
    return record(client, kind, outcome, outcome.status === 200 ? undefined : classify(outcome));
  }
  if (kind === 'delay' || kind === 'db-delay') {
    const ms = randomInt(0, kind === 'delay' ? settings.delayMaxMs : settings.dbDelayMaxMs);
    const outcome = await send(client.agent, { path: `/debug/${kind}/${ms}`, headers: client.headers });
    return record(client, kind, outcome, outcome.status === 200 ? undefined : classify(outcome));
  }
  if (kind === 'get') {
    const order = stats.acknowledged[randomInt(0, stats.acknowledged.length - 1)];
    const outcome = await send(client.agent, { path: `/orders/${order.id}`, headers: client.headers });
    const problem = outcome.status === 200 ? mismatch(order, parseJson(outcome.body)) : classify(outcome);
    return record(client, kind, outcome, problem);
  }
  const key = `e2e-${runId}-${++sequence}`;
  const body = { customerId: `e2e-${runId}-${client.name}`, sku: `SKU-${sequence}`, quantity: randomInt(1, 9) };
  const headers = { ...client.headers, 'idempotency-key': key };
  const outcome = await send(client.agent, { method: 'POST', path: '/orders', headers, body });
  const created = outcome.status === 201 ? parseJson(outcome.body) : undefined;
  const problem = outcome.status !== 201 ? classify(outcome) : created?.id ? mismatch(body, created) : 'bad body';
  if (record(client, 'post', outcome, problem)) return true;
  const order = { id: created.id, ...body };
  stats.acknowledged.push(order);
  if (stats.acknowledged.length % REPLAY_EVERY !== 0) return false;
  // A client retrying after a lost response: the same key must give back the same order, not a new one.
  stats.replays++;
  const replay = await send(client.agent, { method: 'POST', path: '/orders', headers, body });
  const again = replay.status === 201 ? parseJson(replay.body) : undefined;
  const replayProblem =
    replay.status !== 201
      ? classify(replay)
      : again?.id !== order.id || replay.headers['idempotent-replayed'] !== 'true'
        ? 'replay returned another order'
        : undefined;
  return record(client, 'post-replay', replay, replayProblem);
}

function pick() {
  const total = mix.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = Math.random() * total;
  for (const [kind, weight] of mix) if ((roll -= weight) < 0) return kind;
  return mix[0][0];
}

/** Undefined when `actual` is the order that was sent, else what differs. */
function mismatch(expected, actual) {
  if (!actual || typeof actual !== 'object') return 'bad body';
  for (const field of ['customerId', 'sku', 'quantity']) {
    if (actual[field] !== expected[field]) return `wrong ${field}`;
  }
  if (expected.id !== undefined && actual.id !== expected.id) return 'wrong id';
  return undefined;
}

function makeClients() {
  const clients = [];
  for (let i = 0; i < settings.keepAliveClients; i++) {
    clients.push({ name: `ka${i}`, agent: new Agent({ keepAlive: true, maxSockets: 1 }), headers: {} });
  }
  for (let i = 0; i < settings.oneShotClients; i++) {
    const agent = new Agent({ keepAlive: false, maxSockets: 1 });
    clients.push({ name: `os${i}`, agent, headers: { connection: 'close' } });
  }
  return clients;
}

/** Resolves the target and waits until GET / answers 200, so that the run measures the service, not its start. */
async function waitForTarget() {
  const agent = new Agent({ keepAlive: false });
  const deadline = performance.now() + settings.readyTimeoutS * 1000;
  let last;
  while (performance.now() < deadline) {
    if (!targetAddress) {
      try {
        targetAddress = await resolveHost(settings.target.hostname.replace(/^\[|\]$/g, ''));
      } catch (error) {
        last = { error: errorCode(error) };
        await sleep(1000);
        continue;
      }
    }
    last = await send(agent, { path: '/' });
    if (last.status === 200) return agent.destroy();
    await sleep(1000);
  }
  agent.destroy();
  fail(
    `${settings.target.href} did not answer GET / with 200 within ${settings.readyTimeoutS} s (last: ${classify(last)})`,
  );
}

/** Resolves with why the run ends: its duration, the stop file, the cap, or a signal. */
function stopCondition() {
  return new Promise((resolve) => {
    const limitS = settings.durationS || settings.maxDurationS;
    const limitReason = settings.durationS ? 'duration' : 'max-duration';
    const poll = setInterval(() => {
      if (settings.stopFile && existsSync(settings.stopFile)) done('stop-file');
      else if (elapsedS() >= limitS) done(limitReason);
    }, 250);
    const onSignal = (signal) => done(signal);
    process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
    function done(reason) {
      clearInterval(poll);
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      resolve(reason);
    }
  });
}

/**
 * Reads back every acknowledged order, 8 at a time. Network errors and 5xx are retried (the rollouts are
 * over, this only checks the data) until VERIFY_TIMEOUT_S, after which what is left counts as unverified.
 */
async function verifyWrites() {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const deadline = performance.now() + settings.verifyTimeoutS * 1000;
  const lost = [];
  let unverified = 0;
  const queue = [...stats.acknowledged];
  const readBack = async (order) => {
    let outcome = { error: 'VERIFY_TIMEOUT' };
    for (let attempt = 1; performance.now() < deadline; attempt++) {
      outcome = await send(agent, { path: `/orders/${order.id}` });
      if (outcome.status !== undefined && outcome.status < 500) break;
      await sleep(Math.min(500 * attempt, 2000));
    }
    return outcome;
  };
  const worker = async () => {
    for (let order = queue.shift(); order; order = queue.shift()) {
      const outcome = await readBack(order);
      if (outcome.status === 404) lost.push({ ...order, problem: 'not found' });
      else if (outcome.status === 200) {
        const problem = mismatch(order, parseJson(outcome.body));
        if (problem) lost.push({ ...order, problem });
      } else {
        unverified++;
        lost.push({ ...order, problem: `unverified: ${classify(outcome)}` });
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  agent.destroy();
  return { lost, unverified };
}

const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0;

function summarize(stopReason, durationS, writes) {
  const kinds = {};
  let requests = 0;
  let failed = 0;
  for (const [kind, entry] of stats.byKind) {
    const sorted = entry.ms.sort((a, b) => a - b);
    kinds[kind] = {
      requests: entry.requests,
      failed: entry.failed,
      p50Ms: Math.round(percentile(sorted, 0.5)),
      p99Ms: Math.round(percentile(sorted, 0.99)),
      maxMs: Math.round(sorted.at(-1) ?? 0),
    };
    requests += entry.requests;
    failed += entry.failed;
  }
  const acknowledged = stats.acknowledged.length;
  const problems = [];
  if (failed > 0) problems.push(`${failed} failed request(s)`);
  const lost = writes.lost.length - writes.unverified;
  if (lost > 0) problems.push(`${lost} acknowledged write(s) lost`);
  if (writes.unverified > 0) problems.push(`${writes.unverified} acknowledged write(s) could not be read back`);
  if (requests - failed === 0) problems.push('no request succeeded');
  if (acknowledged === 0) problems.push('no write was acknowledged, so none could be checked');
  return {
    event: 'load-summary',
    ok: problems.length === 0,
    problems,
    target: settings.target.href,
    stopReason,
    durationS: +durationS.toFixed(1),
    clients: { keepAlive: settings.keepAliveClients, oneShot: settings.oneShotClients },
    requests,
    failed,
    failuresByClass: Object.fromEntries(stats.failures),
    kinds,
    writes: { acknowledged, replays: stats.replays, lost, unverified: writes.unverified },
    failureSamples: stats.samples,
    lostSamples: writes.lost.slice(0, 20),
  };
}

function printTable(summary) {
  const rows = [['request', 'sent', 'failed', 'p50 ms', 'p99 ms', 'max ms']];
  for (const [kind, k] of Object.entries(summary.kinds))
    rows.push([kind, k.requests, k.failed, k.p50Ms, k.p99Ms, k.maxMs]);
  rows.push(['total', summary.requests, summary.failed, '', '', '']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  const line = (row) =>
    row.map((cell, i) => (i ? String(cell).padStart(widths[i]) : String(cell).padEnd(widths[i]))).join('  ');
  console.log('');
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const [failure, count] of Object.entries(summary.failuresByClass)) console.log(`failed: ${count} x ${failure}`);
  const w = summary.writes;
  console.log(
    `writes: ${w.acknowledged} acknowledged (${w.replays} replayed), ${w.lost} lost, ${w.unverified} not read back`,
  );
  console.log(summary.ok ? 'RESULT: PASS' : `RESULT: FAIL (${summary.problems.join('; ')})`);
}

async function main() {
  await waitForTarget();
  startedAt = performance.now();
  const clients = makeClients();
  log('load-start', {
    runId,
    target: settings.target.href,
    address: targetAddress.address,
    keepAlive: settings.keepAliveClients,
    oneShot: settings.oneShotClients,
    until: settings.durationS
      ? `${settings.durationS} s`
      : `${settings.stopFile} exists (at most ${settings.maxDurationS} s)`,
  });
  let stopping = false;
  const loops = clients.map(async (client) => {
    while (!stopping) {
      // After a failure, a short pause (not a retry): a refused connection must not become a busy loop.
      if (await turn(client)) await sleep(FAILURE_PAUSE_MS);
    }
  });
  const progress = setInterval(() => {
    let requests = 0;
    for (const entry of stats.byKind.values()) requests += entry.requests;
    const failed = [...stats.failures.values()].reduce((sum, n) => sum + n, 0);
    log('load-progress', { requests, failed, acknowledged: stats.acknowledged.length });
  }, settings.progressS * 1000);
  const stopReason = await stopCondition();
  stopping = true;
  clearInterval(progress);
  log('load-stopping', { reason: stopReason });
  await Promise.all(loops);
  const durationS = elapsedS();
  for (const client of clients) client.agent.destroy();
  const writes = await verifyWrites();
  const summary = summarize(stopReason, durationS, writes);
  console.log(JSON.stringify(summary));
  if (settings.reportFile) writeFileSync(settings.reportFile, `${JSON.stringify(summary, null, 2)}\n`);
  printTable(summary);
  process.exitCode = summary.ok ? 0 : 1;
}

await main();
