/**
 * The one ordered path of a call's received messages: HTTP/2 DATA in, unframed messages out,
 * one per read credit, in the order the server sent them.
 *
 * Every decoded frame takes its place in one queue when it arrives; a compressed one is filled
 * in when its (asynchronous) inflate completes. Delivery takes only from the head, so a small
 * uncompressed message never overtakes a compressed one sent before it.
 */
import * as zlib from 'node:zlib';
import { status as Status } from '@grpc/grpc-js';
import { FrameDecoder, type FrameError } from '../protocol/framing';

/** A queued message; `message` is undefined while it is being decompressed. */
interface Slot {
  message: Buffer | undefined;
}

export interface ReceivedMessagesEvents {
  /** Hands one message to the call's listener (called synchronously, once per credit). */
  onMessage(message: Buffer): void;
  /** The received bytes are not a valid message stream: the call must end with this status. */
  onInvalidMessages(code: Status, details: string): void;
  /** Every message received so far was delivered (none waits): a received status may go out. */
  onMessagesDrained(): void;
}

type Inflate = (buffer: Buffer, options: zlib.ZlibOptions, callback: zlib.CompressCallback) => void;

function inflaterFor(encoding: string): Inflate | undefined {
  if (encoding === 'gzip') return zlib.gunzip;
  if (encoding === 'deflate') return zlib.inflate;
  return undefined;
}

export class ReceivedMessages {
  private readonly decoder: FrameDecoder;
  private readonly queue: Slot[] = [];
  private credit = 0;
  private encoding = 'identity';
  private stopped = false;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly events: ReceivedMessagesEvents,
  ) {
    this.decoder = new FrameDecoder(maxMessageBytes);
  }

  /** The response's `grpc-encoding`: how messages flagged as compressed are compressed. */
  setEncoding(encoding: string): void {
    this.encoding = encoding;
  }

  /** Whether messages wait (queued or being decompressed): the call's OK status must wait too. */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Whether a message is asked for (a read credit is open). */
  get wanted(): boolean {
    return this.credit > 0;
  }

  /** Whether the stream should be paused: messages wait and no one asked for them. */
  get full(): boolean {
    return this.credit === 0 && this.queue.length > 0;
  }

  /** Whether a message is partly received (the server must not end the stream here). */
  get midMessage(): boolean {
    return this.decoder.midMessage;
  }

  /** One more message may be delivered (grpc-js's startRead). */
  grant(): void {
    this.credit++;
    this.flush();
  }

  /** Feeds received bytes. */
  push(chunk: Buffer): void {
    if (this.stopped) return;
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      const frameError = error as FrameError;
      return this.fail(frameError.tooLarge ? Status.RESOURCE_EXHAUSTED : Status.INTERNAL, frameError.message);
    }
    for (const frame of frames) {
      if (frame.compressed) this.decompress(frame.message);
      else this.queue.push({ message: frame.message });
    }
    this.flush();
  }

  /** Drops what waits and ignores what comes: the call has ended. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private decompress(compressed: Buffer): void {
    const inflate = inflaterFor(this.encoding);
    if (inflate === undefined) {
      return this.fail(Status.INTERNAL, `Received a message compressed with unsupported encoding "${this.encoding}"`);
    }
    const slot: Slot = { message: undefined };
    this.queue.push(slot);
    const limit = this.maxMessageBytes;
    inflate(compressed, { maxOutputLength: Math.max(limit, 1) }, (error, message) => {
      if (this.stopped) return;
      if (error) {
        const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
        if (tooLarge) return this.fail(Status.RESOURCE_EXHAUSTED, `Received message that decompresses to more than max (${limit})`);
        return this.fail(Status.INTERNAL, `Failed to decompress a message: ${error.message}`);
      }
      slot.message = message;
      this.flush();
    });
  }

  private flush(): void {
    while (!this.stopped && this.credit > 0 && this.queue.length > 0) {
      const message = this.queue[0]!.message;
      if (message === undefined) return; // the head is still being decompressed
      this.queue.shift();
      this.credit--;
      this.events.onMessage(message);
    }
    if (!this.stopped && this.queue.length === 0) this.events.onMessagesDrained();
  }

  private fail(code: Status, details: string): void {
    this.stop();
    this.events.onInvalidMessages(code, details);
  }
}
