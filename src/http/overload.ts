import underPressure from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import { Counter, type Registry } from 'prom-client';
import { httpErrors } from './errors.js';

/** The settings overload protection reads (src/config/overload-settings.ts describes each). */
export interface OverloadConfig {
  readonly overloadMaxEventLoopDelayMs: number;
  readonly overloadMaxEventLoopUtilizationPercent: number;
  readonly overloadMaxHeapUsedBytes: number;
  readonly overloadMaxRssBytes: number;
  readonly overloadSampleIntervalMs: number;
}

/**
 * Sheds business requests with 503 OVERLOADED (and Retry-After, from the error handler) while a
 * measure is over its limit, so clients retry elsewhere instead of timing out in a queue. Registered
 * in the business scope only: probes, on either listener, are never shed.
 * @see https://github.com/fastify/under-pressure
 */
export const overloadProtection = fp<{ config: OverloadConfig; registry: Registry }>(
  async (scope, { config, registry }) => {
    const rejections = new Counter({
      name: 'http_overload_rejections_total',
      help: 'Requests answered 503 OVERLOADED, by the measure that was over its limit.',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    await scope.register(underPressure, {
      maxEventLoopDelay: config.overloadMaxEventLoopDelayMs,
      maxEventLoopUtilization: config.overloadMaxEventLoopUtilizationPercent / 100,
      maxHeapUsedBytes: config.overloadMaxHeapUsedBytes,
      maxRssBytes: config.overloadMaxRssBytes,
      sampleInterval: config.overloadSampleIntervalMs,
      pressureHandler: async (_request, _reply, type) => {
        rejections.labels(type).inc();
        throw new httpErrors.Overloaded(type);
      },
    });
  },
  { name: 'overload-protection' },
);
