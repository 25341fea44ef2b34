export type DeadlineOutcome<T> =
  | { status: 'done'; value: T; durationMs: number }
  | { status: 'failed'; error: unknown; durationMs: number }
  | { status: 'timeout'; durationMs: number };

/**
 * Runs `work` with its own deadline. At the deadline the signal given to `work` aborts and the
 * outcome is `timeout`, whether or not `work` ever settles: a hung resource must not hold the rest.
 */
export async function withDeadline<T>(
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  now: () => number = () => performance.now(),
): Promise<DeadlineOutcome<T>> {
  const started = now();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const durationMs = () => Math.round(now() - started);
  try {
    const result = await Promise.race([
      Promise.resolve()
        .then(() => work(controller.signal))
        .then((value) => ({ value })),
      deadline,
    ]);
    if (result === 'timeout') {
      controller.abort(new Error(`deadline of ${timeoutMs} ms passed`));
      return { status: 'timeout', durationMs: durationMs() };
    }
    return { status: 'done', value: result.value, durationMs: durationMs() };
  } catch (error) {
    return { status: 'failed', error, durationMs: durationMs() };
  } finally {
    clearTimeout(timer);
  }
}
