import type { FastifyPluginAsync } from 'fastify';

/** Which service this is: its package name and version (read by main.ts from package.json). */
export interface ServiceInfo {
  readonly name: string;
  readonly version: string;
}

const infoSchema = {
  response: {
    200: {
      type: 'object',
      properties: { name: { type: 'string' }, version: { type: 'string' } },
      required: ['name', 'version'],
    },
  },
} as const;

/** `GET /`: which service and version answered. */
export const infoRoute: FastifyPluginAsync<{ info: ServiceInfo }> = async (app, { info }) => {
  app.get('/', { schema: infoSchema }, async () => info);
};
