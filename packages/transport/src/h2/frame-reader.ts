/**
 * Cuts the socket's chunks into frames: frames may be split across chunks or packed several to a
 * chunk. Payloads are handed on as views of the chunk (no copy). A DATA frame that spans chunks
 * is handed on in pieces as its bytes arrive (a stream of 16 KiB frames read 64 KiB at a time
 * splits a frame at almost every read, and joining it would copy a quarter of all bytes once
 * more); other frames that span chunks are joined first.
 */
import { ConnectionError } from './errors';
import { FRAME_HEADER_BYTES, Flag, FrameType, frameName } from './frame';
import { H2ErrorCode } from './types';

export interface FrameHandler {
  onFrame(type: number, flags: number, streamId: number, payload: Buffer): void;
  /** An unpadded DATA frame whose payload (`length` bytes, > 0) follows in pieces. */
  onDataHeader(flags: number, streamId: number, length: number): void;
  /** The next piece of that payload; `last` for the piece that completes it. */
  onDataPiece(piece: Buffer, last: boolean): void;
}

export class FrameReader {
  /** Chunks of an incomplete frame, kept until `needed` bytes are there (joined once, not per chunk). */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private needed = 0;
  /** Payload bytes of the DATA frame being handed on in pieces that are still to come. */
  private dataLeft = 0;
  private stopped = false;

  constructor(
    private readonly handler: FrameHandler,
    /** The SETTINGS_MAX_FRAME_SIZE this end announced. */
    private readonly maxFrameSize: number,
  ) {}

  /** Parses every complete frame of `chunk` (and what was kept before it). Throws ConnectionError. */
  push(chunk: Buffer): void {
    while (!this.stopped) {
      if (this.dataLeft > 0) {
        const take = Math.min(this.dataLeft, chunk.length);
        this.dataLeft -= take;
        this.handler.onDataPiece(take === chunk.length ? chunk : chunk.subarray(0, take), this.dataLeft === 0);
        if (take === chunk.length) return;
        chunk = chunk.subarray(take);
        continue;
      }
      if (this.partsBytes === 0) return this.parse(chunk);
      const missing = this.needed - this.partsBytes;
      if (chunk.length < missing) {
        this.parts.push(chunk);
        this.partsBytes += chunk.length;
        return;
      }
      // Join only what the kept frame (or frame header) lacks: the rest of the chunk stays a view.
      const joined = Buffer.concat([...this.parts, chunk.subarray(0, missing)], this.needed);
      this.parts = [];
      this.partsBytes = 0;
      this.parse(joined); // a whole frame, or only its header (kept again, or a DATA payload to come)
      if (missing === chunk.length) return;
      chunk = chunk.subarray(missing);
    }
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
      const flags = data[offset + 4];
      const end = offset + FRAME_HEADER_BYTES + length;
      if (end > data.length) {
        if (type === FrameType.DATA && (flags & Flag.PADDED) === 0) {
          const piece = data.subarray(offset + FRAME_HEADER_BYTES);
          this.dataLeft = length - piece.length;
          this.handler.onDataHeader(flags, data.readUInt32BE(offset + 5) & 0x7fffffff, length);
          if (piece.length > 0 && !this.stopped) this.handler.onDataPiece(piece, false);
          return;
        }
        this.keep(data.subarray(offset), FRAME_HEADER_BYTES + length);
        return;
      }
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
    this.dataLeft = 0;
  }

  private keep(rest: Buffer, needed: number): void {
    this.parts = [rest];
    this.partsBytes = rest.length;
    this.needed = needed;
  }
}
