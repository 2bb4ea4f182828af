/**
 * The portable data path: a Duplex that moves bytes with non-blocking reads and writes on the
 * fd, woken by readiness events of Node's event loop (a Poller; no thread per socket).
 * Backpressure both ways: reading stops while the readable buffer is full, and a write's
 * callback is held until the kernel took every byte.
 */
import * as os from 'node:os';
import type { NativeBinding, NativePoller } from './binding';
import type { ConnectedFd } from './connect-attempt';
import { pollFailureCode } from './dial';
import { DuplexSocket, READ_CHUNK_BYTES, consume } from './duplex-socket';
import { systemError } from './errors';
import type { SocketConstructionOptions } from './native-handle-socket';
import { formatTarget } from './target';

const EAGAIN = -os.constants.errno.EAGAIN;
// Reads per readiness event: enough to drain a socket buffer, few enough to stay fair to others.
const MAX_READS_PER_EVENT = 16;
// One read buffer for every portable socket of the process (reads are synchronous, so no two
// use it at once): an idle connection holds none, and a small read allocates only its copy.
let sharedReadBuffer: Buffer | undefined;

interface PendingWrite {
  buffers: Buffer[];
  callback: (error?: Error | null) => void;
}

export class PortableSocket extends DuplexSocket {
  private readonly binding: NativeBinding;
  private fd = -1;
  private poller: NativePoller | undefined;
  private interest = 0;
  private wantRead = false;
  private pendingWrite: PendingWrite | undefined;
  private pendingFinal: ((error?: Error | null) => void) | undefined;

  constructor(options: SocketConstructionOptions) {
    super(options.allowHalfOpen);
    this.binding = options.binding;
  }

  protected closeHandle(fd: number): void {
    this.binding.close(fd);
  }

  adopt(connected: ConnectedFd, options: { pauseOnConnect?: boolean } = {}): void {
    this.connectDone();
    this.fd = connected.fd;
    this.remoteVmAddress = connected.remote;
    this.localVmAddress = connected.local;
    this.poller = new this.binding.Poller(this.fd, (status, events) => this.onEvent(status, events));
    if (this.unrefed) this.poller.unref();
    this.connecting = false;
    this.emit('connect');
    this.emit('ready');
    if (this.pendingWrite !== undefined) this.flushWrites();
    if (this.pendingFinal !== undefined) this._final(this.pendingFinal);
    if (options.pauseOnConnect === true) this.pause();
    else if (this.wantRead) this.readAvailable();
    else this.read(0);
  }

  override _read(): void {
    // Already waiting for readability: the poll says when bytes come (a read now would say EAGAIN).
    const waiting = this.wantRead && (this.interest & this.binding.pollEvents.READABLE) !== 0;
    this.wantRead = true;
    if (this.fd >= 0 && !waiting) this.readAvailable();
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    // Empty chunks (node:http writes one to end a response) would make writev(2) return 0 for ever.
    this.pendingWrite = { buffers: chunks.map((c) => c.chunk).filter((chunk) => chunk.length > 0), callback };
    if (this.fd >= 0) this.flushWrites();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pendingWrite = { buffers: chunk.length > 0 ? [chunk] : [], callback };
    if (this.fd >= 0) this.flushWrites();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.fd < 0) {
      this.pendingFinal = callback;
      return;
    }
    this.pendingFinal = undefined;
    const rc = this.binding.shutdown(this.fd, this.binding.constants.SHUT_WR);
    // ENOTCONN: the peer already closed both ways; there is nothing left to shut.
    callback(rc < 0 && rc !== -os.constants.errno.ENOTCONN ? this.ioError(rc, 'shutdown') : null);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.cancelPendingConnect(error);
    this.clearIdleTimer();
    this.poller?.close();
    this.poller = undefined;
    if (this.fd >= 0) this.binding.close(this.fd);
    this.fd = -1;
    const write = this.pendingWrite;
    this.pendingWrite = undefined;
    write?.callback(error ?? null);
    callback(error);
  }

  protected refChanged(): void {
    if (this.unrefed) this.poller?.unref();
    else this.poller?.ref();
  }

  private readAvailable(): void {
    for (let i = 0; i < MAX_READS_PER_EVENT && this.fd >= 0; i++) {
      const buffer = (sharedReadBuffer ??= Buffer.allocUnsafe(READ_CHUNK_BYTES));
      const n = this.binding.read(this.fd, buffer, 0, buffer.length);
      if (n === EAGAIN) return this.setInterest(this.binding.pollEvents.READABLE, true);
      if (n < 0) return void this.destroy(this.ioError(n, 'read'));
      this.touch();
      if (n === 0) {
        this.wantRead = false;
        this.setInterest(this.binding.pollEvents.READABLE, false);
        this.push(null);
        return;
      }
      this.bytesRead += n;
      // Small reads are copied and the buffer kept for the next read; a large one is handed on
      // whole (no copy) and the next read takes a fresh buffer.
      let data: Buffer;
      if (n < READ_CHUNK_BYTES / 4) data = Buffer.from(buffer.subarray(0, n));
      else {
        data = buffer.subarray(0, n);
        sharedReadBuffer = undefined;
      }
      if (!this.push(data)) {
        this.wantRead = false;
        return this.setInterest(this.binding.pollEvents.READABLE, false);
      }
      // A short read took all there was: the next readiness event says when there is more (as
      // libuv does), rather than a read that returns EAGAIN now.
      if (n < buffer.length) break;
    }
    // Stay interested: the level-triggered poll fires again while bytes are waiting.
    this.setInterest(this.binding.pollEvents.READABLE, true);
  }

  private flushWrites(): void {
    const write = this.pendingWrite;
    if (write === undefined || this.fd < 0) return;
    while (write.buffers.length > 0) {
      const n = this.binding.writev(this.fd, write.buffers);
      if (n === EAGAIN) return this.setInterest(this.binding.pollEvents.WRITABLE, true);
      if (n < 0) {
        this.pendingWrite = undefined;
        this.setInterest(this.binding.pollEvents.WRITABLE, false);
        return write.callback(this.ioError(n, 'write'));
      }
      this.bytesWritten += n;
      this.touch();
      consume(write.buffers, n);
    }
    this.pendingWrite = undefined;
    this.setInterest(this.binding.pollEvents.WRITABLE, false);
    write.callback(null);
  }

  private onEvent(status: number, events: number): void {
    if (this.fd < 0) return;
    if (status < 0) return void this.destroy(this.ioError(pollFailureCode(this.binding, this.fd, status), 'read'));
    if (events & this.binding.pollEvents.WRITABLE) this.flushWrites();
    if (events & this.binding.pollEvents.READABLE && this.wantRead) this.readAvailable();
  }

  private setInterest(event: number, on: boolean): void {
    const next = on ? this.interest | event : this.interest & ~event;
    if (next === this.interest || this.poller === undefined) return;
    this.interest = next;
    this.poller.start(next);
  }

  private ioError(code: number, syscall: string): Error {
    return systemError(code, syscall, this.remoteVmAddress && formatTarget(this.remoteVmAddress));
  }
}
