import underPressure from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import type { Config } from '../config/settings.js';
import { errors } from './errors.js';

export type OverloadConfig = Pick<
  Config,
  | 'overloadMaxEventLoopDelayMs'
  | 'overloadMaxEventLoopUtilizationPercent'
  | 'overloadMaxHeapUsedBytes'
  | 'overloadMaxRssBytes'
  | 'overloadSampleIntervalMs'
>;

/**
 * Sheds business requests with 503 OVERLOADED (and Retry-After, from the error handler) while a
 * measure is over its limit, so clients retry elsewhere instead of timing out in a queue. Registered
 * in the business scope only: probes, on either listener, are never shed.
 * @see https://github.com/fastify/under-pressure
 */
export const overloadProtection = fp<{ config: OverloadConfig }>(
  async (scope, { config }) => {
    await scope.register(underPressure, {
      maxEventLoopDelay: config.overloadMaxEventLoopDelayMs,
      maxEventLoopUtilization: config.overloadMaxEventLoopUtilizationPercent / 100,
      maxHeapUsedBytes: config.overloadMaxHeapUsedBytes,
      maxRssBytes: config.overloadMaxRssBytes,
      sampleInterval: config.overloadSampleIntervalMs,
      pressureHandler: async (_request, _reply, type) => {
        scope.metrics.countOverloadRejection(type);
        throw new errors.Overloaded(type);
      },
    });
  },
  { name: 'overload-protection', dependencies: ['metrics'] },
);
