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
  private buffers: Buffer[] = [];
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
    this.buffers.push(buffer);
    this.bytes += buffer.length;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(flushTick, this);
    }
  }

  /** Writes everything gathered so far. */
  flush(): void {
    this.scheduled = false;
    const buffers = this.buffers;
    if (buffers.length === 0 || this.stopped || this.socket.destroyed || this.socket.writableEnded) {
      this.buffers = [];
      this.bytes = 0;
      return;
    }
    let accepted: boolean;
    if (buffers.length === 1) {
      accepted = this.socket.write(buffers[0]);
    } else if (this.bytes <= CONCAT_LIMIT) {
      accepted = this.socket.write(Buffer.concat(buffers, this.bytes));
    } else {
      this.socket.cork();
      accepted = true;
      for (const buffer of buffers) accepted = this.socket.write(buffer);
      this.socket.uncork();
    }
    this.buffers = [];
    this.bytes = 0;
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
