import type { FastifyPluginAsync } from 'fastify';
import { handoffTrigger, type Lifecycle } from '../lifecycle/lifecycle.js';

/**
 * `/healthz` (liveness) answers 200 until the process stops: a draining pod is alive and must not be
 * restarted. `/readyz` answers 200 only in `ready`, so endpoints drop the pod as soon as it drains, with
 * one exception: in a handoff the next generation is ready on the same sockets, and readiness is the
 * socket's, so a probe that still reaches this generation on an open connection must not see it flap.
 * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
 */
export const probeRoutes: FastifyPluginAsync<{ lifecycle: Lifecycle }> = async (app, { lifecycle }) => {
  const probe = { logLevel: 'warn' as const };
  app.get('/healthz', probe, async (_request, reply) => {
    const alive = lifecycle.phase !== 'stopped';
    return reply.code(alive ? 200 : 503).send({ status: alive ? 'ok' : 'stopped', phase: lifecycle.phase });
  });
  app.get('/readyz', probe, async (_request, reply) => {
    const handedOver = lifecycle.trigger === handoffTrigger && lifecycle.phase !== 'stopped';
    const ready = lifecycle.phase === 'ready' || handedOver;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'not-ready', phase: lifecycle.phase });
  });
};
