/**
 * Cuts the socket's chunks into frames: frames may be split across chunks or packed several to a
 * chunk. Payloads are handed on as views of the chunk (no copy) unless a frame spans chunks.
 */
import { ConnectionError } from './errors';
import { FRAME_HEADER_BYTES, frameName } from './frame';
import { H2ErrorCode } from './types';

export interface FrameHandler {
  onFrame(type: number, flags: number, streamId: number, payload: Buffer): void;
}

export class FrameReader {
  /** Chunks of an incomplete frame, kept until `needed` bytes are there (joined once, not per chunk). */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private needed = 0;
  private stopped = false;

  constructor(
    private readonly handler: FrameHandler,
    /** The SETTINGS_MAX_FRAME_SIZE this end announced. */
    private readonly maxFrameSize: number,
  ) {}

  /** Parses every complete frame of `chunk` (and what was kept before it). Throws ConnectionError. */
  push(chunk: Buffer): void {
    if (this.partsBytes > 0) {
      const missing = this.needed - this.partsBytes;
      if (chunk.length < missing) {
        this.parts.push(chunk);
        this.partsBytes += chunk.length;
        return;
      }
      // Join only what the kept frame (or frame header) lacks: the rest of the chunk stays a view,
      // or a stream of 16 KiB frames in 64 KiB reads would copy almost every read whole.
      const joined = Buffer.concat([...this.parts, chunk.subarray(0, missing)], this.needed);
      this.parts = [];
      this.partsBytes = 0;
      this.parse(joined); // a whole frame, or only its header (kept again, now needing its payload)
      if (this.stopped) return;
      const rest = chunk.subarray(missing);
      if (this.partsBytes > 0) return rest.length > 0 ? this.push(rest) : undefined;
      chunk = rest;
    }
    this.parse(chunk);
  }

  private parse(data: Buffer): void {
    let offset = 0;
    while (data.length - offset >= FRAME_HEADER_BYTES) {
      const length = (data[offset] << 16) | (data[offset + 1] << 8) | data[offset + 2];
      const type = data[offset + 3];
      if (length > this.maxFrameSize) {
        throw new ConnectionError(
          H2ErrorCode.FRAME_SIZE_ERROR,
          `${frameName(type)} frame of ${length} bytes is larger than SETTINGS_MAX_FRAME_SIZE (${this.maxFrameSize})`,
        );
      }
      const end = offset + FRAME_HEADER_BYTES + length;
      if (end > data.length) {
        this.keep(data.subarray(offset), FRAME_HEADER_BYTES + length);
        return;
      }
      const flags = data[offset + 4];
      const streamId = data.readUInt32BE(offset + 5) & 0x7fffffff; // the reserved bit is ignored
      this.handler.onFrame(type, flags, streamId, data.subarray(offset + FRAME_HEADER_BYTES, end));
      offset = end;
      if (this.stopped) return;
    }
    if (offset < data.length) this.keep(data.subarray(offset), FRAME_HEADER_BYTES);
  }

  /** After stop() no more frames are delivered (the session ended inside a handler). */
  stop(): void {
    this.stopped = true;
    this.parts = [];
    this.partsBytes = 0;
  }

  private keep(rest: Buffer, needed: number): void {
    this.parts = [rest];
    this.partsBytes = rest.length;
    this.needed = needed;
  }
}
