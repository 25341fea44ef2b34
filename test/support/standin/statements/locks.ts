import { SqlServerError, type Session } from 'tds-standin';

interface Holder {
  sessionId: number;
  count: number;
}

/**
 * sp_getapplock / sp_releaseapplock with `@LockOwner = 'Session'` and exclusive mode only, which is
 * what the migrator uses. Return codes as SQL Server's: 0 granted at once, 1 granted after waiting,
 * -1 timed out.
 * @see https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql
 */
export class AppLocks {
  private readonly holders = new Map<string, Holder>();
  private readonly released = new EventTarget();

  async acquire(resource: string, session: Session, timeoutMs: number, signal: AbortSignal): Promise<number> {
    let waited = false;
    const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
    for (;;) {
      const holder = this.holders.get(resource);
      if (!holder || holder.sessionId === session.id) {
        this.holders.set(resource, { sessionId: session.id, count: (holder?.count ?? 0) + 1 });
        return waited ? 1 : 0;
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) return -1;
      waited = true;
      await this.nextRelease(Math.min(remaining, 2 ** 31 - 1), signal);
      if (signal.aborted) throw new SqlServerError(3980, 'The request failed to run because the batch is aborted.');
    }
  }

  release(resource: string, session: Session): void {
    const holder = this.holders.get(resource);
    if (!holder || holder.sessionId !== session.id) {
      throw new SqlServerError(
        1223,
        `Cannot release the application lock (Database Principal: 'public', Resource: '${resource}') because it is not currently held.`,
      );
    }
    if (--holder.count === 0) this.holders.delete(resource);
    this.released.dispatchEvent(new Event('release'));
  }

  releaseAll(session: Session): void {
    for (const [resource, holder] of this.holders) {
      if (holder.sessionId === session.id) this.holders.delete(resource);
    }
    this.released.dispatchEvent(new Event('release'));
  }

  private nextRelease(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.released.removeEventListener('release', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.released.addEventListener('release', done);
      signal.addEventListener('abort', done);
    });
  }
}
