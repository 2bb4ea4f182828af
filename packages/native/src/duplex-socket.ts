/**
 * The base of this package's own Duplex sockets (the portable path: readiness-driven on Linux,
 * overlapped I/O on Windows): node:net's address fields and counters, the idle timeout, and
 * ref()/unref() bookkeeping. Subclasses move the bytes.
 */
import { Duplex } from 'node:stream';
import type { VmAddress } from './addresses';
import type { ConnectAttempt, ConnectedFd } from './connect-attempt';
import { defineAddressAccessors, runPendingConnect, type AdoptingSocket, type DataPath } from './vm-socket';

/** Bytes a socket reads at most per call. */
export const READ_CHUNK_BYTES = 64 * 1024;

export abstract class DuplexSocket extends Duplex implements AdoptingSocket {
  readonly dataPath: DataPath = 'portable';
  remoteVmAddress: VmAddress | undefined;
  localVmAddress: VmAddress | undefined;
  declare readonly remoteAddress?: string | undefined;
  declare readonly remotePort?: number | undefined;
  declare readonly remoteFamily?: VmAddress['family'] | undefined;
  declare readonly localAddress?: string | undefined;
  declare readonly localPort?: number | undefined;
  connecting = true;
  bytesRead = 0;
  bytesWritten = 0;
  /** True after unref(): the socket must not keep the process alive. */
  protected unrefed = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private cancelConnect: ((error: Error | null) => void) | undefined;

  constructor(allowHalfOpen: boolean | undefined) {
    super({ allowHalfOpen: allowHalfOpen ?? false, readableHighWaterMark: READ_CHUNK_BYTES, writableHighWaterMark: 16 * 1024 });
  }

  abstract adopt(connected: ConnectedFd, options?: { pauseOnConnect?: boolean }): void;

  /** Closes a socket handle this socket will not use (a connect that finished too late). */
  protected abstract closeHandle(fd: number): void;

  connectWith(pending: ConnectAttempt): void {
    this.cancelConnect = runPendingConnect(this, pending, (fd) => this.closeHandle(fd));
  }

  /** The connection arrived: nothing is left to cancel (call from adopt). */
  protected connectDone(): void {
    this.cancelConnect = undefined;
  }

  /** Ends a connect still in flight (call from _destroy). */
  protected cancelPendingConnect(error: Error | null): void {
    this.cancelConnect?.(error);
    this.cancelConnect = undefined;
  }

  /** Applies the current ref state to whatever keeps the loop alive. */
  protected abstract refChanged(): void;

  setTimeout(ms: number, callback?: () => void): this {
    this.clearIdleTimer();
    if (callback !== undefined) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    if (ms > 0) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), ms);
      this.idleTimer.unref();
    }
    return this;
  }

  ref(): this {
    this.unrefed = false;
    this.refChanged();
    return this;
  }

  unref(): this {
    this.unrefed = true;
    this.refChanged();
    return this;
  }

  /** Restarts the idle timeout: bytes moved. */
  protected touch(): void {
    this.idleTimer?.refresh();
  }

  protected clearIdleTimer(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

defineAddressAccessors(DuplexSocket.prototype);

/** Drops the first `count` bytes from a list of buffers (after a partial write). */
export function consume(buffers: Buffer[], count: number): void {
  let left = count;
  while (left > 0 && buffers.length > 0) {
    const first = buffers[0]!;
    if (first.length <= left) {
      left -= first.length;
      buffers.shift();
    } else {
      buffers[0] = first.subarray(left);
      left = 0;
    }
  }
}
