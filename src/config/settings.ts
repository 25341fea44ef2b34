import { dbSettings } from './db-settings.js';
import { overloadSettings } from './overload-settings.js';
import { supervisorSettings } from './supervisor-settings.js';
import { boolean, integer, oneOf, text, type ConfigOf } from './schema.js';

const maxPort = 65535;
const tenMinutesMs = 600_000;

/** Every setting the service reads. The README's settings table is rendered from this object. */
export const settings = {
  host: text({ env: 'HOST', default: '0.0.0.0', description: 'Address the app listener binds to.' }),
  port: integer({
    env: 'PORT',
    default: 8080,
    min: 0,
    max: maxPort,
    description: 'App listener port (business routes, plus /healthz and /readyz). 0 picks a free port.',
  }),
  adminHost: text({ env: 'ADMIN_HOST', default: '0.0.0.0', description: 'Address the admin listener binds to.' }),
  adminPort: integer({
    env: 'ADMIN_PORT',
    default: 9090,
    min: 0,
    max: maxPort,
    description: 'Admin listener port (probes, /prestop); never exposed by the Service. 0 picks a free port.',
  }),
  logLevel: oneOf({
    env: 'LOG_LEVEL',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
    default: 'info',
    description: 'Minimum level of the JSON log lines written to stdout.',
  }),
  logRequests: boolean({
    env: 'LOG_REQUESTS',
    default: true,
    description:
      'Log one line per request on the app listener, once it is answered: method, URL, route, status, duration, request id (and trace ids with tracing on). Probes are not logged.',
  }),
  logFlushIntervalMs: integer({
    env: 'LOG_FLUSH_INTERVAL_MS',
    default: 100,
    min: 0,
    max: 10_000,
    description:
      'Log lines are buffered and written in batches: at most this long after the line, sooner under load; every line is flushed, in order, before the process exits. 0: each line written at once (synchronously, at a cost per request).',
  }),
  prestopMode: oneOf({
    env: 'PRESTOP_MODE',
    values: ['http', 'sleep', 'none'] as const,
    default: 'none',
    description:
      'Who waits for endpoints to deregister: the kubelet calling /prestop (http), the pod spec’s preStop sleep (sleep), or the service itself on SIGTERM (none).',
  }),
  prestopToken: text({
    env: 'PRESTOP_TOKEN',
    default: '',
    minLength: 16,
    maxLength: 256,
    secret: true,
    description:
      'Value /prestop requires in the X-Prestop-Token header; required when PRESTOP_MODE=http. Unset: only loopback callers may call /prestop.',
  }),
  drainDelayMs: integer({
    env: 'DRAIN_DELAY_MS',
    default: 5000,
    min: 0,
    max: tenMinutesMs,
    description:
      'How long the pod keeps serving in `draining` so that endpoint removal reaches every node before the listener closes (in sleep mode: the preStop sleep).',
  }),
  drainSweepMs: integer({
    env: 'DRAIN_SWEEP_MS',
    default: 1000,
    min: 0,
    max: tenMinutesMs,
    description:
      'PRESTOP_MODE=sleep, and on inherited sockets (LISTEN_FDS): after SIGTERM or a handoff, how long keep-alive connections may still bring a last request (answered with Connection: close) before the listener closes. In a handoff their closes are spread over the first half, so the next generation takes them over a few at a time.',
  }),
  shutdownTimeoutMs: integer({
    env: 'SHUTDOWN_TIMEOUT_MS',
    default: 10_000,
    min: 0,
    max: tenMinutesMs,
    description: 'How long in-flight requests may run once the app listener closes; the rest are then destroyed.',
  }),
  shutdownMarginMs: integer({
    env: 'SHUTDOWN_MARGIN_MS',
    default: 2000,
    min: 0,
    max: tenMinutesMs,
    description:
      'Part of the grace period kept for the last steps (closing the admin listener, exiting); bounds each of them.',
  }),
  telemetryFlushTimeoutMs: integer({
    env: 'TELEMETRY_FLUSH_TIMEOUT_MS',
    default: 1000,
    min: 1,
    max: tenMinutesMs,
    description:
      'With tracing on: how long exporting the last spans may take at shutdown, after the database closed (counted in the budget either way).',
  }),
  terminationGracePeriodSeconds: integer({
    env: 'TERMINATION_GRACE_PERIOD_SECONDS',
    default: 30,
    min: 1,
    max: 3600,
    description:
      'The pod’s terminationGracePeriodSeconds; the service refuses to start when its shutdown budget does not fit.',
  }),
  startupTimeoutMs: integer({
    env: 'STARTUP_TIMEOUT_MS',
    default: 60_000,
    min: 1,
    max: tenMinutesMs,
    description: 'How long dependencies may take to become ready before the service exits 1.',
  }),
  keepAliveTimeoutMs: integer({
    env: 'KEEP_ALIVE_TIMEOUT_MS',
    default: 72_000,
    min: 1,
    max: tenMinutesMs,
    description:
      'How long an idle keep-alive connection stays open; keep it above the idle timeout of any proxy in front.',
  }),
  requestTimeoutMs: integer({
    env: 'REQUEST_TIMEOUT_MS',
    default: 30_000,
    min: 1,
    max: tenMinutesMs,
    description: 'How long a client may take to send a whole request (headers and body).',
  }),
  handlerTimeoutMs: integer({
    env: 'HANDLER_TIMEOUT_MS',
    default: 30_000,
    min: 1,
    max: tenMinutesMs,
    description:
      'How long a route that waits on I/O (orders, debug) may take to answer; then the client gets 503 and the request’s work is aborted.',
  }),
  bodyLimitBytes: integer({
    env: 'BODY_LIMIT_BYTES',
    default: 1_048_576,
    min: 1,
    max: 104_857_600,
    description: 'Largest request body accepted; larger ones get 413.',
  }),
  debugRoutes: boolean({
    env: 'DEBUG_ROUTES',
    default: false,
    description: 'Serve /debug/* routes (slow responses for testing rollouts). Keep off in production.',
  }),
  debugDelayMaxMs: integer({
    env: 'DEBUG_DELAY_MAX_MS',
    default: 60_000,
    min: 0,
    max: tenMinutesMs,
    description: 'Longest delay /debug/delay/:ms and /debug/db-delay/:ms accept (HANDLER_TIMEOUT_MS still applies).',
  }),
  serviceGeneration: integer({
    env: 'SERVICE_GENERATION',
    default: 0,
    min: 0,
    max: 2_147_483_647,
    description:
      'Set by the supervisor (`dist/supervisor.js`), not by hand: which generation this process is, on every log line and in `service_generation`. 0: not supervised.',
  }),
  ...overloadSettings,
  ...dbSettings,
  ...supervisorSettings,
};

/** The parsed settings, one field per setting; `Config` (load-config.ts) adds what is derived from them. */
export type Settings = ConfigOf<typeof settings>;
