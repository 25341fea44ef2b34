/**
 * The TDS stand-in, a SQL Server test double for tedious: start it with an Engine that gives statements
 * their meaning, point tedious at its host and port with `encrypt: false`.
 */
export { startTdsStandin, TdsStandin, type TdsStandinOptions } from './server.js';
export type { EventBody, LoginRefusal, StandinEvent, StatementOutcome } from './event-log.js';
export * from './engine.js';
export { runStandinCli, type StandinCliOptions, type StandinTarget } from './cli.js';
