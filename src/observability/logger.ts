import { pino, type Logger } from 'pino';
import type { Config } from '../config/settings.js';

/**
 * JSON lines on stdout, one logger for the whole process; listeners and components take children.
 * Writes are synchronous: with pino's default asynchronous stream, the lines written just before
 * `process.exit` (the end of the shutdown timeline) could land out of order or not at all.
 */
export function createLogger(level: Config['logLevel'], base: Record<string, unknown> = {}): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, ...base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}
