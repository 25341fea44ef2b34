import { ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import type { Lifecycle } from './lifecycle.js';

export interface ShutdownSpan {
  /** Marks that the resources (the database) have closed, and ends the span. */
  end(): void;
}

/**
 * Traces the shutdown as one `shutdown` span with an event per phase. The composition root ends it in
 * the `telemetry` close stage, which runs after `resources` and before `admin`, and then flushes the
 * tracing SDK; `stopped` comes after that flush, so it cannot be part of the trace.
 */
export function traceShutdown(lifecycle: Lifecycle): ShutdownSpan {
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
  return {
    end() {
      span?.addEvent('resources-closed', elapsed());
      span?.end();
    },
  };
}
