import fp from 'fastify-plugin';
import { errors } from './errors.js';

/** Business routes answer 503 + Retry-After until the service is ready (probes are not behind this). */
export const startupGate = fp(
  async (scope) => {
    // Callback style: an async hook costs a promise on every request, for a check that is almost always false.
    scope.addHook('onRequest', (_request, _reply, done) => {
      done(scope.lifecycle.phase === 'starting' ? new errors.ServiceStarting() : undefined);
    });
  },
  { name: 'startup-gate', dependencies: ['lifecycle'] },
);
