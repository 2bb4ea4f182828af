/**
 * Assembles a header block from HEADERS and its CONTINUATION frames (RFC 9113, 6.2 and 6.10):
 * strips padding and the priority fields, and refuses anything but CONTINUATION on the same
 * stream until END_HEADERS.
 */
import { ConnectionError } from './errors';
import { FRAME_HEADER_BYTES, Flag, frameName } from './frame';
import { H2ErrorCode } from './types';

/** The most a header block may hold when this end announced no SETTINGS_MAX_HEADER_LIST_SIZE. */
export const DEFAULT_MAX_HEADER_BLOCK_BYTES = 256 * 1024;
/** The least it may hold whatever was announced (a 16 KiB list with some HPACK overhead). */
const MIN_MAX_HEADER_BLOCK_BYTES = 64 * 1024;
/** The most it may hold whatever was announced: a header block is buffered whole before decoding. */
const MAX_MAX_HEADER_BLOCK_BYTES = 32 * 1024 * 1024;

/**
 * The bound on a header block's bytes on the wire (HEADERS and CONTINUATION payloads plus 9 bytes
 * per frame, so a flood of empty CONTINUATION frames meets it too): twice the announced
 * maxHeaderListSize (literals carry a little overhead), within the bounds above.
 */
export function maxHeaderBlockBytes(maxHeaderListSize: number): number {
  if (maxHeaderListSize === Infinity) return DEFAULT_MAX_HEADER_BLOCK_BYTES;
  return Math.min(MAX_MAX_HEADER_BLOCK_BYTES, Math.max(MIN_MAX_HEADER_BLOCK_BYTES, maxHeaderListSize * 2));
}

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
  /** What the block's frames took on the wire so far (what the bound counts). */
  private wireBytes = 0;

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
    this.parts = [Buffer.from(fragment)]; // the chunk behind `payload` may be reused
    this.bytes = fragment.length;
    this.wireBytes = FRAME_HEADER_BYTES + payload.length;
    return undefined;
  }

  continuation(streamId: number, flags: number, payload: Buffer): HeaderBlock | undefined {
    if (this.streamId === 0 || streamId !== this.streamId) {
      throw new ConnectionError(H2ErrorCode.PROTOCOL_ERROR, `CONTINUATION frame on stream ${streamId} does not follow a HEADERS frame of that stream`);
    }
    this.wireBytes += FRAME_HEADER_BYTES + payload.length;
    if (this.wireBytes > this.maxBytes) {
      throw new ConnectionError(
        H2ErrorCode.ENHANCE_YOUR_CALM,
        `header block on stream ${streamId} exceeds ${this.maxBytes} bytes (its frames counted with their 9-byte headers)`,
      );
    }
    if (payload.length > 0) {
      this.parts.push(Buffer.from(payload)); // the chunk behind `payload` may be reused
      this.bytes += payload.length;
    }
    if ((flags & Flag.END_HEADERS) === 0) return undefined;
    const block = { streamId, endStream: this.endStream, block: Buffer.concat(this.parts, this.bytes) };
    this.streamId = 0;
    this.parts = [];
    this.bytes = 0;
    this.wireBytes = 0;
    return block;
  }
}
