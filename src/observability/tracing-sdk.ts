import { register } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { TediousInstrumentation } from '@opentelemetry/instrumentation-tedious';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { setTelemetry } from './telemetry.js';

/**
 * Starts the OpenTelemetry SDK for traces, exported as the standard OTEL_* variables say
 * (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER and _ARG, OTEL_BSP_* …): outgoing HTTP calls and
 * tedious's statements. Incoming requests get one span each from the service itself
 * (request-span.ts), not from the HTTP server instrumentation, which costs several times a request
 * whether the request is sampled or not.
 * The app is ESM importing CommonJS packages, so the import-in-the-middle loader hook has to be in
 * place before they load; it wraps only the modules an instrumentation asked for.
 * @see https://github.com/open-telemetry/opentelemetry-js/blob/main/doc/esm-support.md
 */
export async function startTracing(service: { name: string; version: string }): Promise<void> {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const sdk = startNodeSdk({
    // stdout carries the service's JSON log lines: the SDK's own notes below warnings stay out of it.
    logLevel: process.env.OTEL_LOG_LEVEL || 'warn',
    // Lowest priority: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override these.
    baseResource: defaultResource().merge(
      resourceFromAttributes({ 'service.name': service.name, 'service.version': service.version }),
    ),
    // Traces only, unless OTEL_METRICS_EXPORTER or OTEL_LOGS_EXPORTER ask for more: metrics are
    // Prometheus on the admin port and logs JSON lines on stdout, so the spec's default (otlp) would duplicate them.
    metricReaders: process.env.OTEL_METRICS_EXPORTER ? undefined : [],
    logRecordProcessors: process.env.OTEL_LOGS_EXPORTER ? undefined : [],
    instrumentations: [
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
      new TediousInstrumentation(),
    ],
  });
  // The loader must know every module to wrap before the service imports any of them.
  await waitForAllMessagesAcknowledged();
  setTelemetry({ tracing: true, shutdown: () => sdk.shutdown() });
}
