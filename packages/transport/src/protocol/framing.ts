/**
 * gRPC length-prefixed messages: a 1-byte compressed flag and a 4-byte big-endian length before
 * each message. The decoder is incremental (HTTP/2 DATA frames split messages anywhere) and
 * refuses a message larger than the limit as soon as its prefix arrives, before buffering it.
 * One implementation for both ends: the client's calls and the rpc server on the HTTP/2 engine.
 */

export const FRAME_HEADER_BYTES = 5;

/** Writes a message prefix at the start of `frame` for a message of `length` bytes. */
export function writeFrameHeader(frame: Buffer, length: number, compressed = false): void {
  frame[0] = compressed ? 1 : 0;
  frame.writeUInt32BE(length, 1);
}

/** Prefixes one serialized message. */
export function frameMessage(message: Buffer, compressed = false): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + message.length);
  writeFrameHeader(frame, message.length, compressed);
  message.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/** One received message and whether the sender compressed it. */
export interface DecodedFrame {
  readonly compressed: boolean;
  readonly message: Buffer;
}

/** Told of each message decode() completes, in order. */
export interface FrameSink {
  /**
   * One message. It may be a view into the chunk given to decode() (a message that arrived whole
   * in it, without a copy): use it before returning, or copy it.
   */
  onMessage(message: Buffer, compressed: boolean): void;
}

/** Thrown by the decoder; `tooLarge` distinguishes RESOURCE_EXHAUSTED from a protocol error. */
export class FrameError extends Error {
  constructor(
    message: string,
    readonly tooLarge: boolean,
  ) {
    super(message);
  }
}

// What a collector holds between push() calls: nothing (the messages belong to the caller).
const NO_FRAMES: DecodedFrame[] = [];

/** Collects push()'s messages. */
class Collector implements FrameSink {
  out: DecodedFrame[] = NO_FRAMES;
  onMessage(message: Buffer, compressed: boolean): void {
    this.out.push({ compressed, message });
  }
}

export class FrameDecoder {
  private prefix: Buffer | undefined = undefined;
  private prefixFilled = 0;
  private body: Buffer | undefined = undefined;
  private bodyFilled = 0;
  private compressed = false;
  private collector: Collector | undefined = undefined;

  /** `maxMessageBytes`: the largest message accepted (Infinity for no limit). */
  constructor(private readonly maxMessageBytes: number) {}

  /** Whether a message is partly received (the stream must not end here). */
  get midMessage(): boolean {
    return this.prefixFilled > 0 || this.body !== undefined;
  }

  /** Feeds bytes; returns the messages they complete, each in a buffer of its own. Throws FrameError. */
  push(chunk: Buffer): DecodedFrame[] {
    // One collector per decoder, not per chunk: an object made and dropped per chunk has a hidden
    // class that V8 13+ drops at full collections, with the code optimized for it (docs/architecture.md).
    const collector = (this.collector ??= new Collector());
    const out: DecodedFrame[] = [];
    collector.out = out;
    try {
      this.run(chunk, collector, true);
    } finally {
      collector.out = NO_FRAMES;
    }
    return out;
  }

  /**
   * Feeds bytes; each message they complete goes to `sink` (a message whole in `chunk` as a view
   * of it). Throws FrameError for a bad compressed flag or a message over the limit.
   */
  decode(chunk: Buffer, sink: FrameSink): void {
    this.run(chunk, sink, false);
  }

  /** `copy`: a message whole in `chunk` is copied out rather than handed on as a view. */
  private run(chunk: Buffer, sink: FrameSink, copy: boolean): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.body === undefined) {
        let flag: number;
        let length: number;
        if (this.prefixFilled === 0 && chunk.length - offset >= FRAME_HEADER_BYTES) {
          // The common case: the whole prefix is in this chunk.
          flag = chunk[offset]!;
          length = chunk.readUInt32BE(offset + 1);
          offset += FRAME_HEADER_BYTES;
        } else {
          const prefix = (this.prefix ??= Buffer.allocUnsafe(FRAME_HEADER_BYTES));
          const take = Math.min(FRAME_HEADER_BYTES - this.prefixFilled, chunk.length - offset);
          chunk.copy(prefix, this.prefixFilled, offset, offset + take);
          this.prefixFilled += take;
          offset += take;
          if (this.prefixFilled < FRAME_HEADER_BYTES) return;
          this.prefixFilled = 0;
          flag = prefix[0]!;
          length = prefix.readUInt32BE(1);
        }
        if (flag > 1) throw new FrameError(`invalid compressed flag ${flag} in a message header`, false);
        if (length > this.maxMessageBytes) throw new FrameError(`Received message larger than max (${length} vs. ${this.maxMessageBytes})`, true);
        if (chunk.length - offset >= length) {
          const view = chunk.subarray(offset, offset + length);
          sink.onMessage(copy ? Buffer.from(view) : view, flag === 1);
          offset += length;
          continue;
        }
        this.body = Buffer.allocUnsafe(length);
        this.bodyFilled = 0;
        this.compressed = flag === 1;
      }
      const take = Math.min(this.body.length - this.bodyFilled, chunk.length - offset);
      chunk.copy(this.body, this.bodyFilled, offset, offset + take);
      this.bodyFilled += take;
      offset += take;
      if (this.bodyFilled < this.body.length) return;
      const message = this.body;
      this.body = undefined;
      sink.onMessage(message, this.compressed);
    }
  }
}
