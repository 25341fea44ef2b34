import fp from 'fastify-plugin';
import { errors } from './errors.js';

/** Business routes answer 503 + Retry-After until the service is ready (probes are not behind this). */
export const startupGate = fp(
  async (scope) => {
    scope.addHook('onRequest', async () => {
      if (scope.lifecycle.phase === 'starting') throw new errors.ServiceStarting();
    });
  },
  { name: 'startup-gate', dependencies: ['lifecycle'] },
);
