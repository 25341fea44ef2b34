// OpenTelemetry as Fastify's and OpenTelemetry's documentation tell a user to set it up, preloaded with
// `node --import` (the bench's fastify-otel target): the Node SDK with the HTTP instrumentation and
// @fastify/otel registered on initialization. Exporter, sampler and batching come from the OTEL_*
// variables (the SDK's default exporter is OTLP http/protobuf); the SDK flushes on SIGTERM.
// @see https://github.com/fastify/otel#registration-using-opentelemetry-node-sdk
// @see https://github.com/open-telemetry/opentelemetry-js/tree/main/experimental/packages/opentelemetry-sdk-node#initialize-the-sdk
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

const sdk = new NodeSDK({
  instrumentations: [new HttpInstrumentation(), new FastifyOtelInstrumentation({ registerOnInitialization: true })],
});
sdk.start();

process.once('SIGTERM', () => {
  sdk
    .shutdown()
    .catch((error) => console.error('OpenTelemetry SDK shutdown failed', error))
    .finally(() => process.exit(0));
});
