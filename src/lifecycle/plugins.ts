import fp from 'fastify-plugin';
import { createLifecycle, type Lifecycle, type StartupCheck } from './lifecycle.js';
import { createTerminator, type Terminator, type TerminatorConfig } from './terminator.js';

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle;
    terminator: Terminator;
  }
}

/** The app's one lifecycle state machine, which probes, routes and the terminator all read. */
export const lifecyclePlugin = fp<{ startupChecks: readonly StartupCheck[] }>(
  async (app, { startupChecks }) => {
    const lifecycle = createLifecycle({ logger: app.log.child({ component: 'lifecycle' }) });
    for (const check of startupChecks) lifecycle.addStartupCheck(check);
    app.decorate('lifecycle', lifecycle);
  },
  { name: 'lifecycle' },
);

/** Orders the shutdown: drain, close the app listener, then every registered closer by stage. */
export const terminatorPlugin = fp<{ config: TerminatorConfig }>(
  async (app, { config }) => {
    const terminator = createTerminator({
      lifecycle: app.lifecycle,
      listener: app.connectionDrain,
      config,
      logger: app.log.child({ component: 'terminator' }),
    });
    app.decorate('terminator', terminator);
  },
  { name: 'terminator', dependencies: ['lifecycle', 'connection-drain'] },
);
