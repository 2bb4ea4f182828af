/**
 * Writes a caller's request stream into a channel call, one message at a time (the next once the
 * call took the last: the CallStream contract, and backpressure from the HTTP/2 window), and
 * stops when the call ends first. A failing request iterable cancels the call and is remembered,
 * so the caller sees its own error rather than the CANCELLED it caused. A request that does not
 * serialize ends the call with INTERNAL, as grpc-js's Client does.
 */
import { status } from '@grpc/grpc-js';
import { CANCELLED_ON_CLIENT, reasonOf, type ChannelCall } from './channel-call';

export class RequestPump<Req> {
  /** The request iterable's own error, if it threw. */
  error: { value: unknown } | undefined;
  private ended = false;
  /** Resolves the wait for the write in flight (its callback, or the call's end). */
  private wake: (() => void) | undefined;

  constructor(
    private readonly call: ChannelCall,
    private readonly serialize: (value: Req) => Buffer,
  ) {}

  /** Starts writing `requests` (never rejects). */
  start(requests: AsyncIterable<Req> | Iterable<Req>): void {
    void this.run(requests);
  }

  /** The call ended: stop writing; a write waiting for its callback stops waiting. */
  stop(): void {
    this.ended = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async run(requests: AsyncIterable<Req> | Iterable<Req>): Promise<void> {
    try {
      for await (const request of requests) {
        if (this.ended) return;
        let bytes: Buffer;
        try {
          bytes = this.serialize(request);
        } catch (error) {
          this.call.cancelWithStatus(status.INTERNAL, `Request message serialization failure: ${reasonOf(error)}`);
          return;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.call.sendMessageWithContext({ callback: () => resolve() }, bytes);
        });
        this.wake = undefined;
      }
      if (!this.ended) this.call.halfClose();
    } catch (error) {
      if (this.ended) return;
      this.error = { value: error };
      this.call.cancelWithStatus(status.CANCELLED, CANCELLED_ON_CLIENT);
    }
  }
}
