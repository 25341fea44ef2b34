import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { Terminator } from '../lifecycle/terminator.js';
import { httpErrors } from './errors.js';

export const prestopTokenHeader = 'x-prestop-token';

interface PrestopOptions {
  lifecycle: Lifecycle;
  terminator: Terminator;
  /** Empty: only loopback callers (containers of the same pod) may call. */
  token: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function isLoopback(address: string | undefined): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address ?? '');
}

/**
 * `GET /prestop`, called by the kubelet as the container's preStop httpGet hook. It lives on the admin
 * port, which no Service exposes, and demands a token that only the pod spec (its httpHeaders) and the
 * container's env know, so a client that merely reaches the pod IP cannot start a drain.
 * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/
 */
export const prestopRoute: FastifyPluginAsync<PrestopOptions> = async (app, { lifecycle, terminator, token }) => {
  const expected = token === '' ? undefined : digest(token);

  function authorize(request: FastifyRequest): void {
    if (expected === undefined) {
      if (!isLoopback(request.socket.remoteAddress)) throw new httpErrors.PrestopForbidden();
      return;
    }
    const given = request.headers[prestopTokenHeader];
    if (typeof given !== 'string' || given === '') throw new httpErrors.PrestopTokenMissing();
    // Compare digests: constant time, and no length leak.
    if (!timingSafeEqual(digest(given), expected)) throw new httpErrors.PrestopForbidden();
  }

  app.get('/prestop', async (request) => {
    try {
      authorize(request);
    } catch (error) {
      request.log.warn({ event: 'prestop-refused', remoteAddress: request.socket.remoteAddress }, 'prestop refused');
      throw error;
    }
    const { waitedMs } = await terminator.prestop();
    return { status: 'drained', phase: lifecycle.phase, waitedMs };
  });
};
