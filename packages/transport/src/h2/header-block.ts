/**
 * Assembles a header block from HEADERS and its CONTINUATION frames (RFC 9113, 6.2 and 6.10):
 * strips padding and the priority fields, and refuses anything but CONTINUATION on the same
 * stream until END_HEADERS.
 */
import { ConnectionError } from './errors';
import { Flag, frameName } from './frame';
import { H2ErrorCode } from './types';

export interface HeaderBlock {
  streamId: number;
  endStream: boolean;
  block: Buffer;
}

/** Payload after the pad length byte, without the padding; throws when padding exceeds the frame. */
export function stripPadding(type: number, streamId: number, flags: number, payload: Buffer): Buffer {
  if ((flags & Flag.PADDED) === 0) return payload;
  if (payload.length < 1 || payload[0] >= payload.length) {
    throw new ConnectionError(H2ErrorCode.PROTOCOL_ERROR, `${frameName(type)} frame on stream ${streamId} has more padding than payload`);
  }
  return payload.subarray(1, payload.length - payload[0]);
}

export class HeaderBlockAssembler {
  private streamId = 0;
  private endStream = false;
  private parts: Buffer[] = [];
  private bytes = 0;

  /** `maxBytes`: the most a block may hold before the connection is refused (a CONTINUATION flood). */
  constructor(private readonly maxBytes: number) {}

  /** A block is incomplete: only CONTINUATION on its stream may follow. */
  get expecting(): number {
    return this.streamId;
  }

  /** A HEADERS frame: returns the block when END_HEADERS is set, else waits for CONTINUATION. */
  headers(streamId: number, flags: number, payload: Buffer): HeaderBlock | undefined {
    let fragment = stripPadding(0x1, streamId, flags, payload);
    if (flags & Flag.PRIORITY) {
      if (fragment.length < 5) throw new ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, `HEADERS frame on stream ${streamId} is too short for its priority fields`);
      fragment = fragment.subarray(5);
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (flags & Flag.END_HEADERS) return { streamId, endStream, block: fragment };
    this.streamId = streamId;
    this.endStream = endStream;
    this.parts = [fragment];
    this.bytes = fragment.length;
    return undefined;
  }

  continuation(streamId: number, flags: number, payload: Buffer): HeaderBlock | undefined {
    if (this.streamId === 0 || streamId !== this.streamId) {
      throw new ConnectionError(H2ErrorCode.PROTOCOL_ERROR, `CONTINUATION frame on stream ${streamId} does not follow a HEADERS frame of that stream`);
    }
    this.bytes += payload.length;
    if (this.bytes > this.maxBytes) {
      throw new ConnectionError(H2ErrorCode.ENHANCE_YOUR_CALM, `header block on stream ${streamId} exceeds ${this.maxBytes} bytes`);
    }
    this.parts.push(Buffer.from(payload)); // the chunk behind `payload` may be reused
    if ((flags & Flag.END_HEADERS) === 0) return undefined;
    const block = { streamId, endStream: this.endStream, block: Buffer.concat(this.parts, this.bytes) };
    this.streamId = 0;
    this.parts = [];
    this.bytes = 0;
    return block;
  }
}
