import { ConfigError, loadConfig } from '../../../src/config/load-config.js';

/** What the service itself says of an environment: its config, or the problems it refuses to start with. */
export function serviceVerdict(env: Record<string, string>) {
  try {
    return { ok: true as const, config: loadConfig(env) };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false as const, problems: error.problems };
    throw error;
  }
}
