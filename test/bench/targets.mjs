// The servers the bench compares, each started as a child process on free ports.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const rootUrl = new URL('../../', import.meta.url);
export const fromRoot = (path) => fileURLToPath(new URL(path, rootUrl));
const main = fromRoot('dist/main.js');

/**
 * dist/instrumentation.js starts the OpenTelemetry SDK before the service's modules load.
 * BENCH_INSTRUMENTATION (a path from the project root) measures another setup instead.
 */
export const instrumentationPath = fromRoot(process.env.BENCH_INSTRUMENTATION || 'dist/instrumentation.js');
export const hasInstrumentation = () => existsSync(instrumentationPath);
export const hasBuild = () => existsSync(main);

/**
 * The service as production runs it (`node --import ./dist/instrumentation.js dist/main.js`), with:
 * - LOG_REQUESTS=false: the bench measures the request path, not one log line per request;
 * - DRAIN_DELAY_MS=0: PRESTOP_MODE=none would wait 5 s on every SIGTERM before closing; this is
 *   shutdown only and costs the request path nothing.
 */
function serviceCommand(extraEnv) {
  return {
    nodeArgs: hasInstrumentation() ? ['--import', pathToFileURL(instrumentationPath).href, main] : [main],
    env: {
      HOST: '127.0.0.1',
      ADMIN_HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_PORT: '0',
      LOG_REQUESTS: 'false',
      DRAIN_DELAY_MS: '0',
      ...extraEnv,
    },
  };
}

export const bare = {
  name: 'bare',
  command: () => ({ nodeArgs: [fromRoot('test/bench/bare-fastify.mjs')], env: { HOST: '127.0.0.1', PORT: '0' } }),
};

export const service = {
  name: 'service',
  minRatio: 0.9,
  command: () => serviceCommand({ OTEL_SDK_DISABLED: 'true' }),
};

/**
 * The sampler and batch settings of the bench's own environment go on to the tracing target, so other
 * tracing setups can be measured without editing this file, e.g.
 * OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1 npm run bench
 */
export const tracingTuning = () =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => /^OTEL_(TRACES_SAMPLER|BSP_)/.test(name)));

export const serviceTracing = {
  name: 'service+tracing',
  minRatio: 0.7,
  usesSink: true,
  command: ({ sinkPort }) =>
    serviceCommand({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      ...tracingTuning(),
    }),
};

export const targets = [bare, service, serviceTracing];

export const traceSinkCommand = () => ({ nodeArgs: [fromRoot('test/bench/trace-sink.mjs')], env: { PORT: '0' } });

/**
 * Node flags that write CPU profiles of the child into `directory` when it exits: one file per thread
 * (the OpenTelemetry ESM loader hooks run on a thread of their own), so no fixed file name.
 */
export function cpuProfileArgs(directory) {
  return ['--cpu-prof', '--cpu-prof-dir', directory];
}
