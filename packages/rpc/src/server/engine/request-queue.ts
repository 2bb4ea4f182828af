/**
 * The requests of a client-streaming or bidi call on the engine, as the async iterable the
 * handler reads. Flow control follows the reader: received DATA is credited back to the peer
 * (H2Stream#consume) only while no decoded request waits unread, so a handler that reads slower
 * than the client sends stops the client after one stream window, and memory stays bounded.
 */
import type { H2Stream } from '@vmrpc/transport';

interface Waiter {
  resolve(result: IteratorResult<unknown>): void;
  reject(error: Error): void;
}

const DONE: IteratorResult<unknown> = Object.freeze({ value: undefined, done: true });

export class RequestQueue implements AsyncIterableIterator<unknown> {
  private readonly items: unknown[] = [];
  private ended = false;
  private failure: Error | undefined;
  private waiter: Waiter | undefined;
  /** Bytes received but not credited yet (requests wait unread). */
  private owed = 0;

  constructor(private readonly stream: H2Stream) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** A request decoded from the DATA being received. */
  push(request: unknown): void {
    if (this.ended || this.failure !== undefined) return;
    const waiter = this.waiter;
    if (waiter === undefined) return void this.items.push(request);
    this.waiter = undefined;
    waiter.resolve({ value: request, done: false });
  }

  /** `bytes` of DATA were received (after push() of the requests they completed): credited now unless requests wait. */
  received(bytes: number): void {
    this.owed += bytes;
    if (this.items.length === 0) this.credit();
  }

  /** The client ended its requests: the reader gets those queued, then the end. */
  end(): void {
    this.ended = true;
    this.settleWaiter();
  }

  /** The call ended abnormally: reads from now on reject with `error` (requests queued are dropped). */
  fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.items.length = 0;
    this.settleWaiter();
  }

  /** Credits what is owed: the call is over, or the reader caught up (after the stream closed, the connection's window still needs it). */
  credit(): void {
    if (this.owed === 0) return;
    this.stream.consume(this.owed);
    this.owed = 0;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.items.length > 0) {
      const value = this.items.shift();
      if (this.items.length === 0) this.credit();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The handler left its loop: requests queued or still to come are dropped and credited. */
  return(): Promise<IteratorResult<unknown>> {
    this.ended = true;
    this.items.length = 0;
    this.credit();
    return Promise.resolve(DONE);
  }

  private settleWaiter(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    if (this.failure !== undefined) waiter.reject(this.failure);
    else waiter.resolve(DONE);
  }
}
