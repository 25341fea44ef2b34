/**
 * OpenTelemetry tracing, loaded before the service: `node --import ./dist/instrumentation.js dist/main.js`.
 * It has to come first because the instrumentations patch http, Fastify and tedious as they load.
 * Configured only by the standard OTEL_* variables. It is on when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_TRACES_EXPORTER) is set; otherwise, and always with
 * OTEL_SDK_DISABLED=true, nothing is loaded or patched.
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 */
import { readFileSync } from 'node:fs';

const { env } = process;
const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
// On only once told where spans go: with no collector, each shutdown would wait out a flush to nobody.
const configured = Boolean(
  env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_TRACES_EXPORTER,
);

if (!disabled && configured) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  const { startTracing } = await import('./observability/tracing-sdk.js');
  await startTracing(pkg);
}
