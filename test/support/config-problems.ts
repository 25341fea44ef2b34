import { ConfigError, loadConfig } from '../../src/config/load-config.js';

/** The problems loadConfig reports for `env`; fails the test if the config is valid. */
export function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
