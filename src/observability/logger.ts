import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { telemetry } from './telemetry.js';

/** pino's buffered destination (sonic-boom), the parts the flush at exit uses. */
type BufferedDestination = DestinationStream & {
  flush(callback?: (error?: Error) => void): void;
  flushSync(): void;
};

export interface LoggerOptions {
  /**
   * How long a line may wait in the buffer when few are written (LOG_FLUSH_INTERVAL_MS); under load
   * the buffer fills first. 0: every line is written at once, synchronously.
   */
  readonly flushIntervalMs?: number;
}

/** A write to stdout fills this much before it goes out, unless the flush interval passes first. */
const bufferBytes = 8 * 1024;
const destinations = new Set<BufferedDestination>();

/**
 * JSON lines on stdout, one logger for the whole process; listeners and components take children.
 * Lines are buffered and written in batches: a synchronous write of every line cost as much as the
 * rest of a request (`npm run bench`). Nothing is lost or reordered at exit, since every way out of the
 * process flushes first (`flushLogs`, `flushLogsSync`).
 */
export function createLogger(
  level: LevelWithSilent,
  base: Record<string, unknown> = {},
  { flushIntervalMs = 100 }: LoggerOptions = {},
): Logger {
  const buffered = flushIntervalMs > 0;
  const destination = pino.destination({
    dest: 1,
    sync: !buffered,
    minLength: buffered ? bufferBytes : 0,
  }) as BufferedDestination;
  if (buffered) {
    destinations.add(destination);
    setInterval(() => destination.flush(), flushIntervalMs).unref();
  }
  return pino(
    {
      level,
      base: { pid: process.pid, ...base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Only with tracing on: then every line is a lookup of the active span.
      ...(telemetry().tracing && { mixin: traceFields }),
    },
    destination,
  );
}

/**
 * Writes out every buffered line, in order, and resolves once they are written: before a normal exit,
 * after a fatal startup error, after a crash. Bounded by `timeoutMs`; what is left then goes out
 * synchronously.
 */
export async function flushLogs(timeoutMs = 2000): Promise<void> {
  await Promise.all(
    [...destinations].map(
      (destination) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            flushSync(destination);
            resolve();
          }, timeoutMs);
          timer.unref();
          destination.flush(() => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
}

/** The synchronous last resort, for an exit that cannot wait (a second SIGINT). */
export function flushLogsSync(): void {
  for (const destination of destinations) flushSync(destination);
}

function flushSync(destination: BufferedDestination): void {
  try {
    destination.flushSync();
  } catch {
    // Not open yet, or a write still under way: the asynchronous flush is the one to wait for.
  }
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
