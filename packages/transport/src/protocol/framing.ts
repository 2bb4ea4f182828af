/**
 * gRPC length-prefixed messages: a 1-byte compressed flag and a 4-byte big-endian length before
 * each message. The decoder is incremental (HTTP/2 DATA frames split messages anywhere) and
 * refuses a message larger than the limit as soon as its header arrives, before buffering it.
 */

export const FRAME_HEADER_BYTES = 5;

/** Prefixes one serialized message. */
export function frameMessage(message: Buffer, compressed = false): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + message.length);
  frame.writeUInt8(compressed ? 1 : 0, 0);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/** One received message and whether the sender compressed it. */
export interface DecodedFrame {
  readonly compressed: boolean;
  readonly message: Buffer;
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

export class FrameDecoder {
  private header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  private body: Buffer | undefined;
  private bodyFilled = 0;
  private compressed = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** Whether a message is partly received (the stream must not end here). */
  get midMessage(): boolean {
    return this.headerFilled > 0 || this.body !== undefined;
  }

  /** Feeds bytes; returns the messages they complete. */
  push(chunk: Buffer): DecodedFrame[] {
    const out: DecodedFrame[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.body === undefined) {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerFilled, chunk.length - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + take);
        this.headerFilled += take;
        offset += take;
        if (this.headerFilled < FRAME_HEADER_BYTES) break;
        const flag = this.header.readUInt8(0);
        if (flag > 1) throw new FrameError(`invalid compressed flag ${flag} in a message header`, false);
        const length = this.header.readUInt32BE(1);
        if (length > this.maxMessageBytes) {
          throw new FrameError(`Received message larger than max (${length} vs. ${this.maxMessageBytes})`, true);
        }
        this.compressed = flag === 1;
        this.headerFilled = 0;
        this.body = Buffer.allocUnsafe(length);
        this.bodyFilled = 0;
      }
      const take = Math.min(this.body.length - this.bodyFilled, chunk.length - offset);
      chunk.copy(this.body, this.bodyFilled, offset, offset + take);
      this.bodyFilled += take;
      offset += take;
      if (this.bodyFilled === this.body.length) {
        out.push({ compressed: this.compressed, message: this.body });
        this.body = undefined;
      }
    }
    return out;
  }
}
