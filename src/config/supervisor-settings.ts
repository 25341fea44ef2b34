import { integer, text } from './schema.js';

const tenMinutesMs = 600_000;

/**
 * Settings of the one-host supervisor (`node dist/supervisor.js`), which owns the listening sockets and
 * runs generations of the service on them. It also reads HOST, PORT, ADMIN_HOST, ADMIN_PORT (what it
 * binds), STARTUP_TIMEOUT_MS (how long a generation may take to be ready) and
 * TERMINATION_GRACE_PERIOD_SECONDS (how long one may take to stop). The service ignores these.
 */
export const supervisorSettings = {
  supervisorReleaseDir: text({
    env: 'SUPERVISOR_RELEASE_DIR',
    default: '',
    maxLength: 4096,
    description:
      'Where each new generation runs from; a symlink such as `/opt/k8s-service-starter/current` makes every reload start the release it points to then. Unset: the release the supervisor was started from, as its path was given.',
  }),
  supervisorEntry: text({
    env: 'SUPERVISOR_ENTRY',
    default: 'dist/main.js',
    maxLength: 4096,
    description: "A generation's entry module, in SUPERVISOR_RELEASE_DIR (run with its dist/instrumentation.js).",
  }),
  supervisorStartupNice: integer({
    env: 'SUPERVISOR_STARTUP_NICE',
    default: 10,
    min: 0,
    max: 19,
    description:
      "A reload's new generation starts this much nicer (lower CPU priority) than the one serving, so loading and connecting do not take the CPU from requests; it gets the supervisor's priority back once ready. Needs CAP_SYS_NICE or LimitNICE=+0 to give it back; without either it is not raised (logged). 0: off.",
  }),
  supervisorRestartDelayMinMs: integer({
    env: 'SUPERVISOR_RESTART_DELAY_MIN_MS',
    default: 250,
    min: 0,
    max: tenMinutesMs,
    description:
      'After a generation dies on its own, how long until the next one starts; doubles up to SUPERVISOR_RESTART_DELAY_MAX_MS while generations keep dying. Connections wait in the kernel queue meanwhile.',
  }),
  supervisorRestartDelayMaxMs: integer({
    env: 'SUPERVISOR_RESTART_DELAY_MAX_MS',
    default: 10_000,
    min: 0,
    max: tenMinutesMs,
    description: 'Longest wait between restarts of generations that keep dying.',
  }),
};
