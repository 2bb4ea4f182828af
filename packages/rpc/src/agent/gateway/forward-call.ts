/**
 * Forwarding one gRPC call from a caller's HTTP/2 stream to a channel (an agent's call links,
 * or the host's own server) as raw message bytes: no codegen, any method, every streaming
 * shape. Flow control runs end to end: a request message is read from the caller only after the
 * channel took the previous one (its write callback), and a response message is asked of the
 * channel (startRead) only after the caller's stream took the previous one, so a caller that
 * stops reading holds the agent back instead of filling the host's memory. Cancellation runs
 * both ways (a caller's reset cancels the call; the call's status, CANCELLED included, ends the
 * caller's stream) and the deadline travels as the call's own (the channel sends grpc-timeout).
 * Compressed request messages are inflated (inflate.ts) and forwarded uncompressed, in order.
 */
import type { ServerHttp2Stream } from 'node:http2';
import { status as Status, type ChannelInterface, type Metadata, type StatusObject } from '@grpc/grpc-js';
import { FRAME_HEADER_BYTES, FrameDecoder, FrameError } from '@vmrpc/transport';
import { sendHeaders, sendStatus } from './grpc-reply';
import { InflateError, inflaterFor, type Inflater } from './inflate';

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
  let unsent = 0;

  const finish = (status: StatusObject): void => {
    if (ended) return;
    ended = true;
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

  // Messages in order: while one is being inflated, the ones after it wait in `inflating`'s chain.
  let inflater: Inflater | undefined;
  let inflating: Promise<void> | undefined;
  const send = (message: Buffer): void => {
    if (ended) return;
    call.sendMessageWithContext({ callback: () => {
      // Read on from the caller once the channel took everything handed to it.
      if (--unsent === 0 && !ended) stream.resume();
    } }, message);
  };
  const sendInOrder = (message: Buffer, compressed: boolean): void => {
    unsent++;
    if (!compressed && inflating === undefined) return send(message);
    inflater ??= inflaterFor(forwarded.encoding, forwarded.maxMessageBytes);
    const inflated = compressed ? inflater(message) : Promise.resolve(message);
    const next: Promise<void> = (inflating ?? Promise.resolve()).then(async () => send(await inflated)).finally(() => {
      if (inflating === next) inflating = undefined;
    });
    inflating = next;
    next.catch((error: unknown) => {
      if (error instanceof InflateError) fail(error.code, error.message);
      else fail(Status.INTERNAL, `the gateway failed on a request message: ${String(error)}`);
    });
  };

  stream.on('data', (chunk: Buffer) => {
    if (ended) return;
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch (error) {
      const tooLarge = error instanceof FrameError && error.tooLarge;
      return fail(tooLarge ? Status.RESOURCE_EXHAUSTED : Status.INTERNAL, (error as Error).message);
    }
    for (const frame of frames) sendInOrder(frame.message, frame.compressed);
    if (unsent > 0) stream.pause();
  });
  stream.once('end', () => {
    if (decoder.midMessage) return fail(Status.INTERNAL, 'the request ended in the middle of a message');
    // Half-close after the last message, which may still be inflating.
    if (inflating === undefined) call.halfClose();
    else inflating.then(() => !ended && call.halfClose(), () => undefined);
  });
  // The caller reset the stream or went away before the status: cancel the call upstream.
  stream.once('close', () => {
    if (!ended) {
      ended = true;
      call.cancelWithStatus(Status.CANCELLED, 'cancelled by the caller');
    }
  });
}

function messagePrefix(length: number): Buffer {
  const prefix = Buffer.alloc(FRAME_HEADER_BYTES);
  prefix.writeUInt32BE(length, 1);
  return prefix;
}
