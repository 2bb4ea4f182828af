/**
 * A seqpacket socket's messages as an async iterable: the events the socket emits ('message',
 * 'end', 'close', 'error') buffered until the loop asks for the next one. It reads only what the
 * socket shows everyone (its events and `destroyed`), so the socket keeps sole charge of its fd.
 */
import type { EventEmitter } from 'node:events';

/** The events the iteration listens to, with their listener arguments. */
export interface MessageSourceEvents {
  message: [message: Buffer];
  end: [];
  error: [error: Error];
  close: [hadError: boolean];
}

/** What the iteration reads from: a socket's events and whether it is already closed. */
export interface MessageSource extends Pick<EventEmitter<MessageSourceEvents>, 'on' | 'off'> {
  readonly destroyed: boolean;
}

/** Yields each message in order until the peer ends or the socket closes; throws the socket's error. */
export async function* iterateMessages(source: MessageSource): AsyncGenerator<Buffer> {
  const messages: Buffer[] = [];
  let done = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const onMessage = (message: Buffer): void => {
    messages.push(message);
    notify();
  };
  const onEnd = (): void => {
    done = true;
    notify();
  };
  const onError = (error: Error): void => {
    failure = error;
    notify();
  };
  source.on('message', onMessage).on('end', onEnd).on('close', onEnd).on('error', onError);
  try {
    for (;;) {
      if (messages.length > 0) yield messages.shift()!;
      else if (failure !== undefined) throw failure;
      else if (done || source.destroyed) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    source.off('message', onMessage).off('end', onEnd).off('close', onEnd).off('error', onError);
  }
}
