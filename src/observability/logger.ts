import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type LevelWithSilent, type Logger } from 'pino';
import { telemetry } from './telemetry.js';

/**
 * JSON lines on stdout, one logger for the whole process; listeners and components take children.
 * Writes are synchronous: with pino's default asynchronous stream, the lines written just before
 * `process.exit` (the end of the shutdown timeline) could land out of order or not at all.
 */
export function createLogger(level: LevelWithSilent, base: Record<string, unknown> = {}): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, ...base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Only with tracing on: then every line is a lookup of the active span.
      ...(telemetry().tracing && { mixin: traceFields }),
    },
    pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * The active span's ids, which join a request's log lines to its trace. A new object every time:
 * pino merges the line's own fields into it.
 */
function traceFields(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
