export interface RolloutSettings {
  /** Pods of the Deployment (ROLLOUT_REPLICAS). */
  readonly replicas: number;
  /** Rolling restarts per scenario (ROLLOUT_RESTARTS). */
  readonly restarts: number;
  /** How long after a pod's termination starts the balancer stops sending it new connections. */
  readonly propagationDelayMs: number;
  /** The pods' DRAIN_DELAY_MS (and the preStop sleep in sleep mode). */
  readonly drainDelayMs: number;
  readonly keepAliveClients: number;
  readonly oneShotClients: number;
}

const keys = {
  replicas: { env: 'ROLLOUT_REPLICAS', default: 2, min: 1, max: 10 },
  restarts: { env: 'ROLLOUT_RESTARTS', default: 3, min: 1, max: 20 },
  propagationDelayMs: { env: 'ROLLOUT_PROPAGATION_DELAY_MS', default: 1000, min: 0, max: 30_000 },
  drainDelayMs: { env: 'ROLLOUT_DRAIN_DELAY_MS', default: 2500, min: 0, max: 60_000 },
  keepAliveClients: { env: 'ROLLOUT_KEEPALIVE_CLIENTS', default: 16, min: 1, max: 200 },
  oneShotClients: { env: 'ROLLOUT_ONESHOT_CLIENTS', default: 4, min: 0, max: 200 },
} as const;

/** The suite's knobs, from the environment; every bad value is reported at once. */
export function rolloutSettings(env: NodeJS.ProcessEnv = process.env): RolloutSettings {
  const problems: string[] = [];
  const values = Object.fromEntries(
    Object.entries(keys).map(([name, key]) => {
      const raw = env[key.env];
      const value = raw === undefined || raw === '' ? key.default : Number(raw);
      if (!Number.isInteger(value) || value < key.min || value > key.max) {
        problems.push(`${key.env}=${raw} must be an integer from ${key.min} to ${key.max}`);
      }
      return [name, value];
    }),
  ) as unknown as RolloutSettings;
  // The pod must still be serving when the last node stops sending it connections.
  if (values.drainDelayMs <= values.propagationDelayMs) {
    problems.push(
      `ROLLOUT_DRAIN_DELAY_MS (${values.drainDelayMs}) must exceed ROLLOUT_PROPAGATION_DELAY_MS (${values.propagationDelayMs})`,
    );
  }
  if (problems.length > 0) throw new Error(`invalid rollout settings:\n  ${problems.join('\n  ')}`);
  return values;
}
