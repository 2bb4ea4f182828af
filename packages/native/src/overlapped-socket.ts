/**
 * The Windows data path: a Duplex over overlapped WSARecv / WSASend whose completions reach the
 * JS thread through the addon's completion port. At most one receive and one send are in
 * flight: reading stops while the readable buffer is full, and a write's callback waits for
 * its completion, so backpressure works both ways. Closing the socket cancels what is pending;
 * those completions arrive later and are ignored (the addon keeps their buffers alive till then).
 */
import type { Win32Binding } from './binding-win32';
import type { ConnectedFd } from './connect-attempt';
import { DuplexSocket, READ_CHUNK_BYTES, consume } from './duplex-socket';
import { codedSystemError } from './errors';
import { formatTarget } from './target';
import { windowsSystemError } from './winsock-errors';

const WSAENOTCONN = -10057;

interface PendingWrite {
  buffers: Buffer[];
  callback: (error?: Error | null) => void;
}

export class OverlappedSocket extends DuplexSocket {
  private readonly binding: Win32Binding;
  private socket = -1;
  private wantRead = false;
  private receiving = false;
  private sending = false;
  private pendingWrite: PendingWrite | undefined;
  private pendingFinal: ((error?: Error | null) => void) | undefined;
  /** Whether this socket holds one of the completion port's keep-alive refs. */
  private holdsRef = false;

  constructor(options: { binding: Win32Binding; allowHalfOpen?: boolean | undefined }) {
    super(options.allowHalfOpen);
    this.binding = options.binding;
  }

  protected closeHandle(socket: number): void {
    this.binding.close(socket);
  }

  adopt(connected: ConnectedFd, options: { pauseOnConnect?: boolean } = {}): void {
    this.connectDone();
    this.socket = connected.fd;
    this.remoteVmAddress = connected.remote;
    this.localVmAddress = connected.local;
    this.connecting = false;
    this.emit('connect');
    this.emit('ready');
    if (this.pendingWrite !== undefined) this.startSend();
    if (this.pendingFinal !== undefined) this._final(this.pendingFinal);
    if (options.pauseOnConnect === true) this.pause();
    else if (this.wantRead) this.startReceive();
    else this.read(0);
  }

  override _read(): void {
    this.wantRead = true;
    this.startReceive();
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    // A zero-byte send moves nothing and would complete with 0 forever: skip empty chunks.
    const buffers = chunks.map((c) => c.chunk).filter((b) => b.length > 0);
    if (buffers.length === 0) return callback(null);
    this.pendingWrite = { buffers, callback };
    this.startSend();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.socket < 0) {
      this.pendingFinal = callback;
      return;
    }
    this.pendingFinal = undefined;
    const rc = this.binding.shutdown(this.socket, this.binding.constants.SD_SEND);
    // WSAENOTCONN: the peer already closed both ways; there is nothing left to shut.
    callback(rc < 0 && rc !== WSAENOTCONN ? this.ioError(rc, 'shutdown') : null);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.cancelPendingConnect(error);
    this.clearIdleTimer();
    if (this.socket >= 0) this.binding.close(this.socket);
    this.socket = -1;
    this.updateRef();
    const write = this.pendingWrite;
    this.pendingWrite = undefined;
    write?.callback(error ?? null);
    callback(error);
  }

  protected refChanged(): void {
    this.updateRef();
  }

  private startReceive(): void {
    if (this.receiving || this.socket < 0 || !this.wantRead) return;
    const socket = this.socket;
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    const rc = this.binding.recv(socket, buffer, 0, buffer.length, (n) => this.onReceived(socket, buffer, n));
    if (rc < 0) return void this.destroy(this.ioError(rc, 'read'));
    this.receiving = true;
    this.updateRef();
  }

  private onReceived(socket: number, buffer: Buffer, n: number): void {
    this.receiving = false;
    this.updateRef();
    // Another socket (or none) now: this is a receive that closing the socket cancelled.
    if (socket !== this.socket) return;
    if (n < 0) return void this.destroy(this.ioError(n, 'read'));
    this.touch();
    if (n === 0) {
      this.wantRead = false;
      this.push(null);
      return;
    }
    this.bytesRead += n;
    // Small reads are copied so a 64 KiB buffer is not held for a few bytes.
    const data = n < READ_CHUNK_BYTES / 4 ? Buffer.from(buffer.subarray(0, n)) : buffer.subarray(0, n);
    if (this.push(data)) this.startReceive();
    else this.wantRead = false;
  }

  private startSend(): void {
    const write = this.pendingWrite;
    if (write === undefined || this.sending || this.socket < 0) return;
    const socket = this.socket;
    const rc = this.binding.send(socket, write.buffers, (n) => this.onSent(socket, write, n));
    if (rc < 0) {
      this.pendingWrite = undefined;
      return write.callback(this.ioError(rc, 'write'));
    }
    this.sending = true;
    this.updateRef();
  }

  private onSent(socket: number, write: PendingWrite, n: number): void {
    this.sending = false;
    this.updateRef();
    // Destroyed meanwhile: _destroy already answered the write.
    if (socket !== this.socket || this.pendingWrite !== write) return;
    if (n <= 0) {
      this.pendingWrite = undefined;
      const target = this.remoteAddress ?? 'hvsock';
      return write.callback(n < 0 ? this.ioError(n, 'write') : codedSystemError('EPIPE', 'write', target, 'the send completed without moving a byte'));
    }
    this.bytesWritten += n;
    this.touch();
    consume(write.buffers, n);
    // Stream sends complete whole; should one ever come back short, send the rest.
    if (write.buffers.length > 0) return this.startSend();
    this.pendingWrite = undefined;
    write.callback(null);
  }

  /** Holds a keep-alive ref exactly while I/O is in flight on an open, ref()'d socket (as node:net). */
  private updateRef(): void {
    const want = this.socket >= 0 && !this.unrefed && (this.receiving || this.sending);
    if (want === this.holdsRef) return;
    this.holdsRef = want;
    if (want) this.binding.ioRef();
    else this.binding.ioUnref();
  }

  private ioError(code: number, syscall: string): Error {
    return windowsSystemError(code, syscall, this.remoteVmAddress && formatTarget(this.remoteVmAddress));
  }
}
