import { integer } from './schema.js';

const oneMinuteMs = 60_000;
const maxBytes = 2 ** 45;

/**
 * Overload protection on the app listener (@fastify/under-pressure): above a threshold, business
 * routes answer 503 OVERLOADED with Retry-After instead of queueing until clients time out. The admin
 * listener, and so the kubelet's probes, is never shed. 0 turns a check off.
 */
export const overloadSettings = {
  overloadMaxEventLoopDelayMs: integer({
    env: 'OVERLOAD_MAX_EVENT_LOOP_DELAY_MS',
    default: 1000,
    min: 0,
    max: oneMinuteMs,
    description:
      'Shed load while the mean event-loop delay of the last sample is above this (0: off). Generous by default: a healthy service stays far below.',
  }),
  overloadMaxEventLoopUtilizationPercent: integer({
    env: 'OVERLOAD_MAX_EVENT_LOOP_UTILIZATION_PERCENT',
    default: 0,
    min: 0,
    max: 100,
    description: 'Shed load while the event loop is busy more than this share of the time (0: off; e.g. 98).',
  }),
  overloadMaxHeapUsedBytes: integer({
    env: 'OVERLOAD_MAX_HEAP_USED_BYTES',
    default: 0,
    min: 0,
    max: maxBytes,
    description: 'Shed load while the V8 heap in use is above this (0: off; set it below the container memory limit).',
  }),
  overloadMaxRssBytes: integer({
    env: 'OVERLOAD_MAX_RSS_BYTES',
    default: 0,
    min: 0,
    max: maxBytes,
    description: 'Shed load while the resident set size is above this (0: off).',
  }),
  overloadSampleIntervalMs: integer({
    env: 'OVERLOAD_SAMPLE_INTERVAL_MS',
    default: 1000,
    min: 10,
    max: oneMinuteMs,
    description:
      'How often the overload measures are sampled; at least OVERLOAD_MAX_EVENT_LOOP_DELAY_MS while that check is on.',
  }),
};
