// The servers the bench compares, each started as a child process on free ports: what a user would
// pick instead of the service (bare Fastify, Fastify's logger, OpenTelemetry as its docs set it up),
// then the service with its request log, without it, traced at three sampling ratios, and on a route
// that queries the database.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const rootUrl = new URL('../../', import.meta.url);
export const fromRoot = (path) => fileURLToPath(new URL(path, rootUrl));
const main = fromRoot('dist/main.js');
const bench = (file) => fromRoot(`test/bench/${file}`);

/**
 * dist/instrumentation.js starts the OpenTelemetry SDK before the service's modules load.
 * BENCH_INSTRUMENTATION (a path from the project root) measures another setup instead.
 */
export const instrumentationPath = fromRoot(process.env.BENCH_INSTRUMENTATION || 'dist/instrumentation.js');
export const hasInstrumentation = () => existsSync(instrumentationPath);
export const hasBuild = () => existsSync(main);

/** The batch settings of the bench's own environment go on to every traced target, e.g. OTEL_BSP_MAX_QUEUE_SIZE. */
export const tracingTuning = () =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('OTEL_BSP_')));

/**
 * OTLP http/protobuf to the bench's trace sink, sampled at `ratio` of the traces started here.
 * OTEL_LOG_LEVEL=warn: the SDK's warning that its queue was full reaches stderr, where the bench reads it.
 */
const tracingEnv = (sinkPort, ratio) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: String(ratio),
  OTEL_LOG_LEVEL: 'warn',
  ...tracingTuning(),
});

/**
 * The service as production runs it (`node --import ./dist/instrumentation.js dist/main.js`) on its
 * defaults, except for free ports and DRAIN_DELAY_MS=0: PRESTOP_MODE=none would wait 5 s on every
 * SIGTERM before closing, which is shutdown only and costs the request path nothing.
 */
function serviceCommand(extraEnv) {
  return {
    nodeArgs: hasInstrumentation() ? ['--import', pathToFileURL(instrumentationPath).href, main] : [main],
    env: { HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', PORT: '0', ADMIN_PORT: '0', DRAIN_DELAY_MS: '0', ...extraEnv },
  };
}

const helloEnv = { HOST: '127.0.0.1', PORT: '0' };
const noRequestLog = { LOG_REQUESTS: 'false' };
const sinkOnly = 'OTLP to the sink';

/**
 * Each target: `logging` and `tracing` say what it runs with; `ratioTo` names the target its CPU per
 * request is compared with (bare unless said); each of `checks` is judged as
 * (baseline's µs per request ÷ this target's) ≥ min, or > min with `exclusive`.
 */
export const targets = [
  {
    name: 'bare',
    logging: 'none',
    tracing: 'none',
    command: () => ({ nodeArgs: [bench('bare-fastify.mjs')], env: helloEnv }),
  },
  {
    name: 'fastify-logger',
    logging: 'Fastify `logger: true`',
    tracing: 'none',
    command: () => ({ nodeArgs: [bench('fastify-logger.mjs')], env: helloEnv }),
  },
  {
    name: 'fastify-otel',
    logging: 'none',
    tracing: `sdk-node + instrumentation-http + @fastify/otel, 100 %, ${sinkOnly}`,
    sampleRatio: 1,
    command: ({ sinkPort }) => ({
      nodeArgs: ['--import', pathToFileURL(bench('fastify-otel-setup.mjs')).href, bench('bare-fastify.mjs')],
      // Traces only, as the service exports: the SDK's defaults would add OTLP metrics and logs.
      env: { ...helloEnv, ...tracingEnv(sinkPort, 1), OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    }),
  },
  {
    name: 'service',
    logging: 'request log (default)',
    tracing: 'off (default)',
    checks: [
      { baseline: 'bare', min: 0.75 },
      { baseline: 'fastify-logger', min: 1, exclusive: true },
    ],
    command: () => serviceCommand({}),
  },
  {
    name: 'service-nolog',
    logging: 'LOG_REQUESTS=false',
    tracing: 'off',
    checks: [{ baseline: 'bare', min: 0.9 }],
    command: () => serviceCommand(noRequestLog),
  },
  ...[
    {
      percent: 100,
      checks: [
        { baseline: 'bare', min: 0.45 },
        { baseline: 'fastify-otel', min: 3 },
      ],
    },
    { percent: 10 },
    { percent: 1, checks: [{ baseline: 'service-nolog', min: 0.8 }] },
  ].map(({ percent, checks }) => ({
    name: `service-tracing-${percent}`,
    logging: 'LOG_REQUESTS=false',
    tracing: `${percent} % (parentbased_traceidratio), ${sinkOnly}`,
    sampleRatio: percent / 100,
    serviceTracing: true,
    checks,
    command: ({ sinkPort }) => serviceCommand({ ...noRequestLog, ...tracingEnv(sinkPort, percent / 100) }),
  })),
  {
    name: 'db',
    logging: 'LOG_REQUESTS=false',
    tracing: 'off',
    path: '/orders/:id',
    ratioTo: 'db',
    usesDb: true,
    command: ({ dbEnv }) => serviceCommand({ ...noRequestLog, ...dbEnv }),
  },
  {
    name: 'db-tracing-100',
    logging: 'LOG_REQUESTS=false',
    tracing: `100 % (parentbased_traceidratio), ${sinkOnly}`,
    path: '/orders/:id',
    ratioTo: 'db',
    usesDb: true,
    sampleRatio: 1,
    serviceTracing: true,
    command: ({ sinkPort, dbEnv }) => serviceCommand({ ...noRequestLog, ...dbEnv, ...tracingEnv(sinkPort, 1) }),
  },
];

export const targetNamed = (name) => targets.find((t) => t.name === name);

export const traceSinkCommand = () => ({ nodeArgs: [bench('trace-sink.mjs')], env: { PORT: '0' } });

/**
 * Node flags that write CPU profiles of the child into `directory` when it exits: one file per thread
 * (the OpenTelemetry ESM loader hooks run on a thread of their own), so no fixed file name.
 */
export function cpuProfileArgs(directory) {
  return ['--cpu-prof', '--cpu-prof-dir', directory];
}
