import { ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/settings.js';
import { telemetry } from './telemetry.js';

/**
 * Traces the shutdown and flushes the tracing SDK at its end. The shutdown is one `shutdown` span with
 * an event per phase; it ends, and everything still buffered is exported, once the resources (the
 * database) have closed: the `telemetry` stage runs after `resources` and before `admin`, under its own
 * deadline (TELEMETRY_FLUSH_TIMEOUT_MS). `stopped` comes after that flush, so it cannot be part of the trace. Without tracing this
 * registers nothing.
 */
export function registerTelemetry(app: FastifyInstance, config: Pick<Config, 'telemetryFlushTimeoutMs'>): void {
  const { tracing, shutdown } = telemetry();
  if (!tracing) return;
  const { lifecycle } = app;
  const tracer = trace.getTracer('lifecycle');
  const elapsed = () => ({ 'shutdown.elapsed_ms': lifecycle.elapsedMs() });
  let span: Span | undefined;

  lifecycle.onPhase((phase) => {
    if (phase !== 'draining' && phase !== 'closing') return;
    const at = elapsed();
    // In the root context: the shutdown is not part of the request that may have begun it, such as
    // /prestop, whose context is marked untraced.
    const attributes = { 'shutdown.trigger': lifecycle.trigger ?? 'unknown' };
    span ??= tracer.startSpan('shutdown', { attributes }, ROOT_CONTEXT);
    span.addEvent(phase, at);
  });
  lifecycle.addCloser({
    name: 'telemetry',
    stage: 'telemetry',
    timeoutMs: config.telemetryFlushTimeoutMs,
    async close() {
      span?.addEvent('resources-closed', elapsed());
      span?.end();
      await shutdown();
    },
  });
}
