export interface PoolOptions<T> {
  create(signal: AbortSignal): Promise<T>;
  destroy(resource: T): Promise<void>;
  /** True once the resource can no longer be used (its socket closed or errored). */
  isBroken(resource: T): boolean;
  /** A cheap round trip, run on a resource that sat idle longer than `validateAfterIdleMs`. */
  validate(resource: T): Promise<boolean>;
  readonly min: number;
  readonly max: number;
  readonly acquireTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxLifetimeMs: number;
  readonly validateAfterIdleMs: number;
  /** Failures of background work (top-up to `min`, destroy), for the log. */
  onBackgroundError?(error: unknown): void;
  now?: () => number;
}

export interface Lease<T> {
  readonly resource: T;
  /** Returns the resource to the pool (or destroys it if it broke meanwhile). */
  release(): void;
  /** Destroys the resource instead of returning it. */
  discard(): void;
}

export interface PoolStats {
  readonly idle: number;
  readonly inUse: number;
  readonly opening: number;
  readonly waiting: number;
}

export interface Pool<T> {
  acquire(signal?: AbortSignal): Promise<Lease<T>>;
  /** Opens connections up to `min`; rejects with the first failure. */
  fill(): Promise<void>;
  stats(): PoolStats;
  /** Refuses new acquires, destroys idle resources now and the others as they are released. */
  close(): Promise<void>;
}

export class PoolTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no connection became free within ${timeoutMs} ms`);
    this.name = 'PoolTimeoutError';
  }
}

export class PoolClosedError extends Error {
  constructor() {
    super('the pool is closed');
    this.name = 'PoolClosedError';
  }
}

interface Entry<T> {
  readonly resource: T;
  readonly createdAt: number;
  idleSince: number;
}

interface Waiter<T> {
  resolve(lease: Lease<T>): void;
  reject(error: unknown): void;
  done: boolean;
}

/**
 * A small pool of the project's own: unlike tarn (behind `mssql`) it never hands out a connection
 * that broke while idle, replaces connections after a maximum lifetime, and can be closed while work
 * is still running, which the query executor needs to close connections last.
 */
export function createPool<T>(options: PoolOptions<T>): Pool<T> {
  const { min, max, now = () => performance.now() } = options;
  const idle: Entry<T>[] = [];
  const inUse = new Set<Entry<T>>();
  const waiters: Waiter<T>[] = [];
  const destroying = new Set<Promise<void>>();
  const stopOpening = new AbortController();
  let opening = 0;
  let closed = false;
  /** Background top-up to `min` starts once `fill` has worked, not while the server is still down. */
  let filled = false;
  let settleClosed: (() => void) | undefined;

  const total = () => idle.length + inUse.size + opening;
  const expired = (entry: Entry<T>) => now() - entry.createdAt >= options.maxLifetimeMs;
  const unusable = (entry: Entry<T>) => closed || options.isBroken(entry.resource) || expired(entry);

  function destroy(entry: Entry<T>): void {
    const done = options
      .destroy(entry.resource)
      .catch((error: unknown) => options.onBackgroundError?.(error))
      .finally(() => {
        destroying.delete(done);
        checkClosed();
      });
    destroying.add(done);
  }

  function checkClosed(): void {
    if (closed && total() === 0 && destroying.size === 0) settleClosed?.();
  }

  function lease(entry: Entry<T>): Lease<T> {
    let returned = false;
    const giveBack = (keep: boolean) => {
      if (returned) return;
      returned = true;
      inUse.delete(entry);
      if (keep && !unusable(entry)) {
        entry.idleSince = now();
        idle.push(entry);
      } else {
        destroy(entry);
      }
      dispatch();
    };
    return { resource: entry.resource, release: () => giveBack(true), discard: () => giveBack(false) };
  }

  function deliver(entry: Entry<T>, waiter: Waiter<T>): void {
    if (waiter.done) {
      inUse.delete(entry);
      entry.idleSince = now();
      idle.push(entry);
      dispatch();
      return;
    }
    waiter.done = true;
    waiter.resolve(lease(entry));
  }

  async function hand(entry: Entry<T>, waiter: Waiter<T>): Promise<void> {
    inUse.add(entry);
    if (now() - entry.idleSince > options.validateAfterIdleMs) {
      const valid = await options.validate(entry.resource).catch(() => false);
      if (!valid || unusable(entry)) {
        inUse.delete(entry);
        destroy(entry);
        if (!waiter.done) waiters.unshift(waiter);
        dispatch();
        return;
      }
    }
    deliver(entry, waiter);
  }

  async function open(waiter: Waiter<T> | undefined): Promise<void> {
    opening++;
    let entry: Entry<T>;
    try {
      const resource = await options.create(stopOpening.signal);
      entry = { resource, createdAt: now(), idleSince: now() };
    } catch (error) {
      if (waiter && !waiter.done) {
        waiter.done = true;
        waiter.reject(error);
      } else if (!waiter) {
        throw error;
      }
      return;
    } finally {
      opening--;
      checkClosed();
    }
    if (closed) return destroy(entry);
    inUse.add(entry);
    if (waiter) deliver(entry, waiter);
    else lease(entry).release();
  }

  function dispatch(): void {
    while (waiters.length > 0) {
      const waiter = waiters.shift()!;
      if (waiter.done) continue;
      const entry = takeIdle();
      if (entry) {
        void hand(entry, waiter);
      } else if (total() < max) {
        void open(waiter);
      } else {
        waiters.unshift(waiter);
        return;
      }
    }
  }

  /** The most recently used idle entry, so that surplus connections stay idle and get reaped. */
  function takeIdle(): Entry<T> | undefined {
    for (let entry = idle.pop(); entry; entry = idle.pop()) {
      if (!unusable(entry)) return entry;
      destroy(entry);
    }
    return undefined;
  }

  const reaper = setInterval(
    () => {
      for (const entry of [...idle]) {
        const surplus = total() > min && now() - entry.idleSince >= options.idleTimeoutMs;
        if (surplus || unusable(entry)) {
          idle.splice(idle.indexOf(entry), 1);
          destroy(entry);
        }
      }
      if (filled && !closed && waiters.length === 0 && total() < min) {
        open(undefined).catch((error: unknown) => options.onBackgroundError?.(error));
      }
    },
    Math.min(options.idleTimeoutMs, 1000),
  );
  reaper.unref();

  return {
    acquire(signal) {
      if (closed) return Promise.reject(new PoolClosedError());
      return new Promise((resolve, reject) => {
        const fail = (error: unknown) => {
          if (waiter.done) return;
          waiter.done = true;
          waiter.reject(error);
        };
        const onAbort = () => fail(signal?.reason);
        const timer = setTimeout(() => fail(new PoolTimeoutError(options.acquireTimeoutMs)), options.acquireTimeoutMs);
        const waiter: Waiter<T> = {
          done: false,
          resolve: (lease) => {
            cleanup();
            resolve(lease);
          },
          reject: (error) => {
            cleanup();
            reject(error);
          },
        };
        const cleanup = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        if (signal?.aborted) return fail(signal.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
        dispatch();
      });
    },
    async fill() {
      const missing = Math.max(0, min - total());
      await Promise.all(Array.from({ length: missing }, () => open(undefined)));
      filled = true;
    },
    stats: () => ({ idle: idle.length, inUse: inUse.size, opening, waiting: waiters.filter((w) => !w.done).length }),
    close() {
      if (!closed) {
        closed = true;
        clearInterval(reaper);
        stopOpening.abort(new PoolClosedError());
        for (const waiter of waiters.splice(0)) {
          if (!waiter.done) {
            waiter.done = true;
            waiter.reject(new PoolClosedError());
          }
        }
        for (const entry of idle.splice(0)) destroy(entry);
      }
      return new Promise<void>((resolve) => {
        const previous = settleClosed;
        settleClosed = () => {
          previous?.();
          resolve();
        };
        checkClosed();
      });
    },
  };
}
