/**
 * What a test opened, closed in reverse order by `close()`, which afterEach calls so that a failed or
 * timed-out test leaks nothing. `signal` aborts when closing begins, so a timed-out test body that is
 * still running stops at its next step; whatever it opens after that is closed at once.
 */
export class Cleanup {
  private readonly closers: Array<() => unknown> = [];
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;

  defer(close: () => unknown): void {
    if (!this.signal.aborted) {
      this.closers.push(close);
      return;
    }
    Promise.resolve()
      .then(close)
      .catch((error: unknown) => console.error('closing after the test ended failed', error));
  }

  async close(): Promise<void> {
    this.controller.abort(new Error('the test ended; its resources were closed'));
    const errors: unknown[] = [];
    for (let close = this.closers.pop(); close; close = this.closers.pop()) {
      try {
        await close();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
  }
}
