/**
 * Forwarding one gRPC call from a caller's HTTP/2 stream to a channel (an agent's call links,
 * or the host's own server) as raw message bytes: no codegen, any method, every streaming
 * shape. Flow control runs end to end: a request message is read from the caller only after the
 * channel took the previous one (its write callback), and a response message is asked of the
 * channel (startRead) only after the caller's stream took the previous one, so a caller that
 * stops reading holds the agent back instead of filling the host's memory. Cancellation runs
 * both ways (a caller's reset cancels the call; the call's status, CANCELLED included, ends the
 * caller's stream) and the deadline travels as the call's own (the channel sends grpc-timeout).
 * Compressed request messages are inflated (inflate.ts) one at a time, when the one before was
 * taken and the connection's budget of inflated bytes has room (inflate-budget.ts), and forwarded
 * uncompressed, in order.
 */
import type { ServerHttp2Stream } from 'node:http2';
import { status as Status, type ChannelInterface, type Metadata, type StatusObject } from '@grpc/grpc-js';
import { FRAME_HEADER_BYTES, FrameDecoder, FrameError, type DecodedFrame } from '@vmrpc/transport';
import { sendHeaders, sendStatus } from './grpc-reply';
import { InflateError, inflaterFor, type Inflater } from './inflate';
import { inflateBudgetOf } from './inflate-budget';

export interface ForwardedCall {
  /** The method path, `/package.Service/Method`. */
  path: string;
  /** ms since the epoch, or Infinity. */
  deadline: number;
  metadata: Metadata;
  /** Largest request message taken from the caller (after inflation). */
  maxMessageBytes: number;
  /** The caller's `grpc-encoding` (how its compressed messages are compressed). */
  encoding?: string;
}

/** Forwards the call on `stream` through `channel`, until the call's status or the caller's reset. */
export function forwardCall(stream: ServerHttp2Stream, channel: ChannelInterface, forwarded: ForwardedCall): void {
  // The caller may have gone while the gateway decided (authorize, a wait): nothing to forward.
  if (stream.destroyed || stream.closed) return;
  let call;
  try {
    call = channel.createCall(forwarded.path, forwarded.deadline, undefined, null, 0);
  } catch (error) {
    // A closed channel throws (the host is closing).
    return sendStatus(stream, { code: Status.UNAVAILABLE, details: (error as Error).message });
  }
  const decoder = new FrameDecoder(forwarded.maxMessageBytes);
  let ended = false;
  // Inflated bytes this stream holds of its connection's budget (inflate-budget.ts).
  const budget = inflateBudgetOf(stream.session, forwarded.maxMessageBytes);
  let held = 0;
  // Aborted when the call ends: a wait for the budget stops (and holds nothing).
  const over = new AbortController();
  const releaseHeld = (): void => {
    budget.release(held);
    held = 0;
  };

  const finish = (status: StatusObject): void => {
    if (ended) return;
    ended = true;
    over.abort();
    releaseHeld();
    sendStatus(stream, status);
    // Whatever the caller still sends is read and dropped, so its side can end too.
    stream.resume();
  };
  const fail = (code: Status, details: string): void => call.cancelWithStatus(code, details);

  call.start(forwarded.metadata, {
    onReceiveMetadata: (metadata) => sendHeaders(stream, metadata),
    onReceiveMessage: (message: Buffer) => {
      if (ended || stream.destroyed) return;
      // Ask the channel for the next message only when the caller's stream has room for it.
      // The prefix and the message as two writes: a large message is not copied once more.
      stream.write(messagePrefix(message.length));
      if (stream.write(message)) call.startRead();
      else stream.once('drain', () => call.startRead());
    },
    onReceiveStatus: finish,
  });
  call.startRead();

  // One request message on its way to the channel at a time: the rest of a DATA chunk's
  // messages wait in `queue`, still compressed, and the caller's stream is paused meanwhile.
  let queue: Array<DecodedFrame | undefined> = [];
  let head = 0;
  let busy = false;
  let callerEnded = false;
  let halfClosed = false;
  let inflating = false;
  let inflater: Inflater | undefined;
  // The half-close goes right after the last message is handed on (a unary request's DATA and
  // END_STREAM can travel together), not after it was written.
  const halfCloseAfterLast = (): void => {
    if (ended || halfClosed || !callerEnded || inflating || head < queue.length) return;
    halfClosed = true;
    call.halfClose();
  };
  const sent = (): void => {
    releaseHeld();
    busy = false;
    sendNext();
  };
  const sendNext = (): void => {
    if (busy || ended) return;
    const frame = queue[head];
    if (frame !== undefined) {
      queue[head++] = undefined;
      busy = true;
      if (!frame.compressed) return call.sendMessageWithContext({ callback: sent }, frame.message);
      return void inflateAndSend(frame.message).catch((error: unknown) => {
        releaseHeld();
        if (error instanceof InflateError) fail(error.code, error.message);
        else fail(Status.INTERNAL, `the gateway failed on a request message: ${String(error)}`);
      });
    }
    queue = [];
    head = 0;
    if (!callerEnded) stream.resume();
    else halfCloseAfterLast();
  };
  const inflateAndSend = async (message: Buffer): Promise<void> => {
    inflating = true;
    inflater ??= inflaterFor(forwarded.encoding, forwarded.maxMessageBytes);
    // Room for the worst case first: the message may inflate to the limit.
    const worst = Math.min(forwarded.maxMessageBytes, budget.limit);
    if (!(await budget.acquire(worst, over.signal))) return;
    held = worst;
    if (ended) return releaseHeld();
    const inflated = await inflater(message);
    if (ended) return releaseHeld();
    budget.release(held - inflated.length);
    held = inflated.length;
    inflating = false;
    call.sendMessageWithContext({ callback: sent }, inflated);
    halfCloseAfterLast();
  };

  stream.on('data', (chunk: Buffer) => {
    if (ended) return;
    try {
      for (const frame of decoder.push(chunk)) queue.push(frame);
    } catch (error) {
      const tooLarge = error instanceof FrameError && error.tooLarge;
      return fail(tooLarge ? Status.RESOURCE_EXHAUSTED : Status.INTERNAL, (error as Error).message);
    }
    if (queue.length === head) return;
    stream.pause();
    sendNext();
  });
  stream.once('end', () => {
    if (decoder.midMessage) return fail(Status.INTERNAL, 'the request ended in the middle of a message');
    // Half-close after the last message, which may still be inflating or waiting its turn.
    callerEnded = true;
    halfCloseAfterLast();
  });
  // The caller reset the stream or went away before the status: cancel the call upstream.
  stream.once('close', () => {
    if (!ended) {
      ended = true;
      call.cancelWithStatus(Status.CANCELLED, 'cancelled by the caller');
    }
    over.abort();
    releaseHeld();
  });
}

function messagePrefix(length: number): Buffer {
  const prefix = Buffer.alloc(FRAME_HEADER_BYTES);
  prefix.writeUInt32BE(length, 1);
  return prefix;
}
