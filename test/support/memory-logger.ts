import { pino, type Logger } from 'pino';
import type { LogLine } from './service-process.js';

/** A real pino logger whose JSON lines land in an array the test can read. */
export function memoryLogger(level = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}
