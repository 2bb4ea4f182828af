/**
 * Writes a caller's request stream into a client call, honouring backpressure, and stops when the
 * call ends first. A failing request iterable cancels the call and is remembered, so the caller
 * sees its own error rather than the CANCELLED it caused.
 */
import type { ClientWritableStream } from '@grpc/grpc-js';

export interface RequestPump {
  /** Settles when the pump stops (never rejects). */
  readonly done: Promise<void>;
  /** The request iterable's own error, if it threw. */
  readonly error: { value: unknown } | undefined;
}

export function pumpRequests<Req>(requests: AsyncIterable<Req> | Iterable<Req>, call: ClientWritableStream<Req>): RequestPump {
  let finished = false;
  const ended = new Promise<void>((resolve) => {
    const stop = (): void => {
      finished = true;
      resolve();
    };
    call.once('status', stop);
    call.once('error', stop);
    call.once('close', stop);
  });
  const pump: { done: Promise<void>; error: { value: unknown } | undefined } = { done: Promise.resolve(), error: undefined };
  pump.done = (async () => {
    try {
      for await (const request of requests) {
        if (finished) return;
        if (!call.write(request)) await Promise.race([new Promise((resolve) => call.once('drain', resolve)), ended]);
      }
      if (!finished) call.end();
    } catch (error) {
      pump.error = { value: error };
      call.cancel();
    }
  })();
  return pump;
}
