import { pino, type LevelWithSilent, type Logger } from 'pino';

/**
 * The supervisor's JSON lines: the same shape as the service's (level label, ISO time, pid), with
 * `component: "supervisor"`, so one log holds both. Synchronous, like the service's, so the last lines
 * before exit are written in order.
 */
export function supervisorLogger(level: LevelWithSilent, service: string): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, service, component: 'supervisor' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}
