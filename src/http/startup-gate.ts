import fp from 'fastify-plugin';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import { httpErrors } from './errors.js';

/** Business routes answer 503 + Retry-After until the service is ready (probes are not behind this). */
export const startupGate = fp<{ lifecycle: Lifecycle }>(
  async (scope, { lifecycle }) => {
    // Callback style: an async hook costs a promise on every request, for a check that is almost always false.
    scope.addHook('onRequest', (_request, _reply, done) => {
      done(lifecycle.phase === 'starting' ? new httpErrors.ServiceStarting() : undefined);
    });
  },
  { name: 'startup-gate' },
);
