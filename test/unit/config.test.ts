import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load-config.js';
import { renderSettingsTable, withSettingsTable } from '../../src/config/settings-doc.js';
import { settings } from '../../src/config/settings.js';
import { problemsOf } from '../support/config-problems.js';
import { describeBudget, shutdownBudget } from '../../src/config/shutdown-budget.js';

describe('config', () => {
  it('with no environment, every setting takes its default and the shutdown fits in 30 s', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8080, adminPort: 9090, prestopMode: 'none' });
    const budget = shutdownBudget(config);
    expect(budget).toMatchObject({ gracePeriodMs: 30_000, fits: true });
    expect(budget.totalMs).toBeLessThanOrEqual(30_000);
  });

  it('reads values of every type from the environment', () => {
    const config = loadConfig({ PORT: '3000', DEBUG_ROUTES: 'true', PRESTOP_MODE: 'sleep', HOST: '127.0.0.1' });
    expect(config).toMatchObject({ port: 3000, debugRoutes: true, prestopMode: 'sleep', host: '127.0.0.1' });
  });

  it('an empty variable counts as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(8080);
  });

  it('lists every bad key at once, each with its value and what was wrong', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      ADMIN_PORT: '70000',
      PRESTOP_MODE: 'preStop',
      DEBUG_ROUTES: 'maybe',
      DRAIN_DELAY_MS: '-1',
    });
    expect(problems).toEqual([
      'PORT: "eighty" is not an integer',
      'ADMIN_PORT: "70000" is outside 0–65535',
      'PRESTOP_MODE: "preStop" is not one of http, sleep, none',
      'DRAIN_DELAY_MS: "-1" is outside 0–600000',
      'DEBUG_ROUTES: "maybe" is not a boolean (true or false)',
    ]);
  });

  it('refuses a shutdown budget larger than the grace period, naming every number', () => {
    expect(problemsOf({ DRAIN_DELAY_MS: '25000' })).toEqual([
      'the shutdown budget does not fit the grace period: DRAIN_DELAY_MS 25000 + SHUTDOWN_TIMEOUT_MS 10000 + ' +
        'TELEMETRY_FLUSH_TIMEOUT_MS 1000 + SHUTDOWN_MARGIN_MS 2000 = 38000 ms > TERMINATION_GRACE_PERIOD_SECONDS 30 (30000 ms)',
    ]);
  });

  it('counts the keep-alive sweep in the budget only in sleep mode', () => {
    const env = { DRAIN_DELAY_MS: '16000', TERMINATION_GRACE_PERIOD_SECONDS: '29' };
    expect(() => loadConfig(env)).not.toThrow();
    expect(problemsOf({ ...env, PRESTOP_MODE: 'sleep' })[0]).toContain('DRAIN_SWEEP_MS 1000');
    expect(describeBudget(shutdownBudget(loadConfig({ PRESTOP_MODE: 'sleep' })))).toBe(
      'DRAIN_DELAY_MS 5000 + DRAIN_SWEEP_MS 1000 + SHUTDOWN_TIMEOUT_MS 10000 + TELEMETRY_FLUSH_TIMEOUT_MS 1000 + ' +
        'SHUTDOWN_MARGIN_MS 2000 = 19000 ms <= TERMINATION_GRACE_PERIOD_SECONDS 30 (30000 ms)',
    );
  });

  it('requires a prestop token in http mode, and never echoes a token back', () => {
    expect(problemsOf({ PRESTOP_MODE: 'http' })).toEqual([
      'PRESTOP_TOKEN: required when PRESTOP_MODE=http (the kubelet calls /prestop from the node, not from loopback)',
    ]);
    expect(problemsOf({ PRESTOP_TOKEN: 'hunter2' })).toEqual([
      'PRESTOP_TOKEN: (value hidden) is shorter than 16 characters',
    ]);
  });

  it('refuses the same port for both listeners', () => {
    expect(problemsOf({ PORT: '9000', ADMIN_PORT: '9000' })).toEqual([
      'PORT and ADMIN_PORT: both are 9000; the two listeners need their own ports',
    ]);
  });

  it('refuses an overload sample interval shorter than the event-loop delay it sheds at, unless that check is off', () => {
    expect(problemsOf({ OVERLOAD_SAMPLE_INTERVAL_MS: '200' })).toEqual([
      'OVERLOAD_SAMPLE_INTERVAL_MS 200 must be at least OVERLOAD_MAX_EVENT_LOOP_DELAY_MS 1000 while the delay check is on: a shorter sample in which the event loop is busy throughout counts as overloaded',
    ]);
    expect(() =>
      loadConfig({ OVERLOAD_SAMPLE_INTERVAL_MS: '50', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '30' }),
    ).not.toThrow();
    expect(() =>
      loadConfig({ OVERLOAD_SAMPLE_INTERVAL_MS: '20', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' }),
    ).not.toThrow();
  });

  it('every setting has an env name, a description and a default within its own bounds', () => {
    for (const setting of Object.values(settings)) {
      expect(setting.env).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(setting.description.length).toBeGreaterThan(10);
      if (setting.default !== '')
        expect(setting.parse(String(setting.default))).toEqual({ ok: true, value: setting.default });
    }
  });

  it('the README settings table is the one the schema renders (run `npm run docs:settings`)', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(withSettingsTable(readme)).toBe(readme);
    for (const setting of Object.values(settings)) expect(renderSettingsTable()).toContain(`\`${setting.env}\``);
  });
});
