/**
 * Gathers the frames a session produces within one tick and writes them with one socket.write
 * (a unary call costs one write per side). Large batches go out corked as separate writes
 * instead of being copied into one Buffer. When the socket signals backpressure, `blocked` tells
 * streams to keep their DATA queued until 'drain'.
 */
import type { Duplex } from 'node:stream';

/** Batches up to this size are concatenated; larger ones are written corked, buffer by buffer. */
const CONCAT_LIMIT = 64 * 1024;

function flushTick(writer: FrameWriter): void {
  writer.flush();
}

export class FrameWriter {
  /**
   * This tick's frames: the first `count` slots. The array is kept between flushes (an emptied or
   * new array would grow again on every tick's first push: an allocation per write).
   */
  private readonly buffers: Array<Buffer | undefined> = [];
  private count = 0;
  private bytes = 0;
  private scheduled = false;
  /** socket.write() returned false; cleared on 'drain'. */
  blocked = false;
  private stopped = false;

  constructor(
    private readonly socket: Duplex,
    private readonly onWritable: () => void,
  ) {
    socket.on('drain', this.onDrain);
  }

  get queuedBytes(): number {
    return this.bytes;
  }

  /** Bytes not yet taken by the peer's kernel: the socket's queue (libuv's too) plus this tick's. */
  get outstandingBytes(): number {
    return this.socket.writableLength + this.bytes;
  }

  push(buffer: Buffer): void {
    if (this.stopped) return;
    this.buffers[this.count++] = buffer;
    this.bytes += buffer.length;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(flushTick, this);
    }
  }

  /** Writes everything gathered so far. */
  flush(): void {
    this.scheduled = false;
    const count = this.count;
    const bytes = this.bytes;
    const buffers = this.buffers;
    const writable = count > 0 && !this.stopped && !this.socket.destroyed && !this.socket.writableEnded;
    // Taken out of the slots before writing: what the write causes starts a new batch.
    let batch: Buffer | Buffer[] | undefined;
    if (writable && count === 1) batch = buffers[0];
    else if (writable) batch = bytes <= CONCAT_LIMIT ? joined(buffers, count, bytes) : (buffers.slice(0, count) as Buffer[]);
    buffers.fill(undefined, 0, count);
    this.count = 0;
    this.bytes = 0;
    if (batch === undefined) return;
    let accepted = true;
    if (!Array.isArray(batch)) {
      accepted = this.socket.write(batch);
    } else {
      this.socket.cork();
      for (const buffer of batch) accepted = this.socket.write(buffer);
      this.socket.uncork();
    }
    if (!accepted) this.blocked = true;
  }

  /** Flushes what is gathered and accepts nothing more (the session is ending). */
  stop(): void {
    this.flush();
    this.stopped = true;
    this.socket.off('drain', this.onDrain);
  }

  private readonly onDrain = (): void => {
    if (!this.blocked) return;
    this.blocked = false;
    this.onWritable();
  };
}

/** The first `count` buffers as one (`bytes` long). */
function joined(buffers: ReadonlyArray<Buffer | undefined>, count: number, bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const buffer = buffers[i]!;
    out.set(buffer, offset);
    offset += buffer.length;
  }
  return out;
}
