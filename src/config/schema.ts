/**
 * A small typed schema for settings read from the environment. Each setting carries its env name,
 * default, bounds and a one-line description, so the same object parses the environment, types the
 * config and renders the README's table of settings.
 */

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface Setting<T> {
  readonly env: string;
  readonly default: T;
  readonly description: string;
  /** Human-readable bounds for docs and error messages, e.g. `0–65535` or `http, sleep, none`. */
  readonly allowed: string;
  /** Secrets are never echoed back in error messages or docs. */
  readonly secret: boolean;
  parse(raw: string): ParseResult<T>;
}

type Common<T> = { env: string; default: T; description: string };

export function integer(options: Common<number> & { min: number; max: number }): Setting<number> {
  const { min, max } = options;
  return {
    ...options,
    secret: false,
    allowed: `${min}–${max}`,
    parse(raw) {
      if (!/^-?\d+$/.test(raw.trim())) return { ok: false, problem: 'is not an integer' };
      const value = Number(raw);
      if (value < min || value > max) return { ok: false, problem: `is outside ${min}–${max}` };
      return { ok: true, value };
    },
  };
}

export function text(
  options: Common<string> & { minLength?: number; maxLength?: number; secret?: boolean },
): Setting<string> {
  const { minLength = 0, maxLength = 1024, secret = false } = options;
  return {
    ...options,
    secret,
    allowed: minLength > 0 ? `empty, or ${minLength}–${maxLength} characters` : `up to ${maxLength} characters`,
    parse(raw) {
      if (raw.length > maxLength) return { ok: false, problem: `is longer than ${maxLength} characters` };
      if (raw.length > 0 && raw.length < minLength) {
        return { ok: false, problem: `is shorter than ${minLength} characters` };
      }
      return { ok: true, value: raw };
    },
  };
}

const truthy = new Set(['true', '1', 'yes', 'on']);
const falsy = new Set(['false', '0', 'no', 'off']);

export function boolean(options: Common<boolean>): Setting<boolean> {
  return {
    ...options,
    secret: false,
    allowed: 'true, false',
    parse(raw) {
      const lower = raw.trim().toLowerCase();
      if (truthy.has(lower)) return { ok: true, value: true };
      if (falsy.has(lower)) return { ok: true, value: false };
      return { ok: false, problem: 'is not a boolean (true or false)' };
    },
  };
}

export function oneOf<const V extends readonly string[]>(
  options: Common<V[number]> & { values: V },
): Setting<V[number]> {
  const { values } = options;
  return {
    env: options.env,
    default: options.default,
    description: options.description,
    secret: false,
    allowed: values.join(', '),
    parse(raw) {
      const value = raw.trim();
      return values.includes(value)
        ? { ok: true, value: value as V[number] }
        : { ok: false, problem: `is not one of ${values.join(', ')}` };
    },
  };
}

export type SettingMap = Readonly<Record<string, Setting<unknown>>>;
export type ConfigOf<M extends SettingMap> = {
  readonly [K in keyof M]: M[K] extends Setting<infer T> ? T : never;
};

/** Parses every setting; an unset or empty variable takes the default. Collects every problem. */
export function parseSettings<M extends SettingMap>(
  settings: M,
  env: Readonly<Record<string, string | undefined>>,
): { config: ConfigOf<M>; problems: string[] } {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(settings)) {
    const raw = env[setting.env];
    if (raw === undefined || raw === '') {
      config[key] = setting.default;
      continue;
    }
    const result = setting.parse(raw);
    if (result.ok) {
      config[key] = result.value;
    } else {
      const shown = setting.secret ? '(value hidden)' : JSON.stringify(raw);
      problems.push(`${setting.env}: ${shown} ${result.problem}`);
    }
  }
  return { config: config as ConfigOf<M>, problems };
}
