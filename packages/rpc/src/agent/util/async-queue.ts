/**
 * A push-driven AsyncIterable: the outgoing side of a session stream. Items pushed before
 * anyone iterates are kept; end() finishes the iteration after the items queued so far;
 * fail() ends it with an error (queued items are dropped).
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((error: Error) => void) | undefined;
  private ended = false;
  private error: Error | undefined;

  /** Items waiting to be taken. */
  get size(): number {
    return this.items.length;
  }

  get closed(): boolean {
    return this.ended || this.error !== undefined;
  }

  push(item: T): void {
    if (this.closed) return;
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = this.failWaiting = undefined;
      waiting({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(): void {
    if (this.closed) return;
    this.ended = true;
    if (this.items.length === 0) this.wake();
  }

  fail(error: Error): void {
    if (this.closed) return;
    this.error = error;
    this.items.length = 0;
    const failWaiting = this.failWaiting;
    this.waiting = this.failWaiting = undefined;
    failWaiting?.(error);
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = this.failWaiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.error !== undefined) return Promise.reject(this.error);
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          this.waiting = resolve;
          this.failWaiting = reject;
        });
      },
      return: () => {
        this.end();
        this.items.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
