/**
 * Writes a caller's request stream into a channel call, one message at a time (the next once the
 * call took the last: the CallStream contract, and backpressure from the HTTP/2 window), and
 * stops when the call ends first. A failing request iterable cancels the call and is remembered,
 * so the caller sees its own error rather than the CANCELLED it caused. A request that does not
 * serialize ends the call with INTERNAL, as grpc-js's Client does.
 */
import { status } from '@grpc/grpc-js';
import { CANCELLED_ON_CLIENT, reasonOf, type ChannelCall } from './channel-call';

type Requests<Req> = AsyncIterable<Req> | Iterable<Req>;

function iteratorOf<Req>(requests: Requests<Req>): { iterator: AsyncIterator<Req> | Iterator<Req>; sync: boolean } {
  const asyncIterator = (requests as Partial<AsyncIterable<Req>>)[Symbol.asyncIterator];
  if (typeof asyncIterator === 'function') return { iterator: asyncIterator.call(requests), sync: false };
  return { iterator: (requests as Iterable<Req>)[Symbol.iterator](), sync: true };
}

export class RequestPump<Req> {
  /** The request iterable's own error, if it threw. */
  error: { value: unknown } | undefined;
  private ended = false;
  /** Resolves the wait for the write in flight (its callback, or the call's end). */
  private wake: (() => void) | undefined;
  /** The request iterator while it is ours to close (not done, not failed, not closed yet). */
  private iterator: AsyncIterator<Req> | Iterator<Req> | undefined;
  /** A next() of the iterator is outstanding. */
  private pulling = false;

  constructor(
    private readonly call: ChannelCall,
    private readonly serialize: (value: Req) => Buffer,
  ) {}

  /** Starts writing `requests` (never rejects). */
  start(requests: Requests<Req>): void {
    void this.run(requests);
  }

  /**
   * The call ended: stop writing; a write waiting for its callback stops waiting. An iterator
   * waiting in next() (a request source that never ends, such as events.on()) is return()ed now,
   * so its cleanup runs; an async generator suspended in an `await` runs its `finally` only once
   * that await settles (JavaScript queues the return() behind it).
   */
  stop(): void {
    this.ended = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    if (this.pulling) this.close();
  }

  /** return() on the iterator, once; what it answers or throws is not the call's business any more. */
  private close(): void {
    const iterator = this.iterator;
    this.iterator = undefined;
    if (iterator?.return === undefined) return;
    try {
      void Promise.resolve(iterator.return()).catch(() => undefined);
    } catch {
      // A throwing return() ends nothing more than it would have.
    }
  }

  private async run(requests: Requests<Req>): Promise<void> {
    try {
      const { iterator, sync } = iteratorOf(requests);
      this.iterator = iterator;
      for (;;) {
        this.pulling = true;
        const result = await iterator.next();
        this.pulling = false;
        if (this.ended) return this.close();
        if (result.done === true) break;
        // As for await: the values of a sync iterable are awaited.
        const request = sync ? await result.value : result.value;
        let bytes: Buffer;
        try {
          bytes = this.serialize(request);
        } catch (error) {
          this.call.cancelWithStatus(status.INTERNAL, `Request message serialization failure: ${reasonOf(error)}`);
          return this.close();
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.call.sendMessageWithContext({ callback: () => resolve() }, bytes);
        });
        this.wake = undefined;
        if (this.ended) return this.close();
      }
      this.iterator = undefined;
      if (!this.ended) this.call.halfClose();
    } catch (error) {
      // The iterator threw: it is done, and not closed (as for await leaves it).
      this.pulling = false;
      this.iterator = undefined;
      if (this.ended) return;
      this.error = { value: error };
      this.call.cancelWithStatus(status.CANCELLED, CANCELLED_ON_CLIENT);
    }
  }
}
