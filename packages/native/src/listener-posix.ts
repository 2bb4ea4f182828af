/**
 * Listening on Linux: socket, bind and listen on a non-blocking fd, then accept(2) whenever a
 * Poller on Node's event loop reports the listener readable, so a server costs no thread.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as util from 'node:util';
import type { VmAddress } from './addresses';
import type { NativeBinding, NativePoller } from './binding';
import { pollFailureCode } from './dial';
import { systemError } from './errors';
import { ACCEPT_BACKOFF_MS, type Listener, type ListenerEvents, type ListenerOptions } from './listener';
import { unixPeerAddress } from './peer-credentials';
import { decodeSockaddr } from './sockaddr';
import { errorHint, planSocket, socketFileOf } from './socket-family';
import { setVsockBufferSize } from './socket-options';
import { removeStaleSocket } from './stale-socket';
import { formatTarget } from './target';

const EAGAIN = -os.constants.errno.EAGAIN;
const ECONNABORTED = -os.constants.errno.ECONNABORTED;
const EADDRINUSE = -os.constants.errno.EADDRINUSE;

export class PosixListener implements Listener {
  private poller: NativePoller | undefined;
  private backoff: NodeJS.Timeout | undefined;
  private closed = false;

  /** Binds and listens; throws the Node-style error of the first call that failed. */
  static open(address: VmAddress, options: ListenerOptions, events: ListenerEvents): PosixListener {
    const plan = planSocket(address, 'listen');
    const { binding } = plan;
    const socketType = options.socketType === 'seqpacket' ? binding.constants.SOCK_SEQPACKET : binding.constants.SOCK_STREAM;
    const fd = binding.socket(plan.domain, socketType);
    const fail = (rc: number, syscall: string): never => {
      if (fd >= 0) binding.close(fd);
      throw systemError(rc, syscall, plan.target, errorHint(util.getSystemErrorName(rc), syscall, address));
    };
    if (fd < 0) fail(fd, 'socket');
    if (address.family === 'vsock' && options.bufferSize !== undefined) {
      try {
        setVsockBufferSize(binding, fd, options.bufferSize, plan.target);
      } catch (error) {
        binding.close(fd);
        throw error;
      }
    }
    let rc = binding.bind(fd, plan.sockaddr);
    if (rc === EADDRINUSE && options.removeStaleSocket === true) {
      const path = socketFileOf(address, 'bind');
      if (path !== undefined && removeStaleSocket(binding, path, socketType) === 'removed') rc = binding.bind(fd, plan.sockaddr);
    }
    if (rc < 0) fail(rc, 'bind');
    rc = binding.listen(fd, options.backlog);
    if (rc < 0) fail(rc, 'listen');
    return new PosixListener(binding, fd, address, options, events);
  }

  readonly local: VmAddress;
  /** The socket file this listener created and removes on close (Unix and hybrid vsock). */
  private readonly unlinkPath: string | undefined;

  private constructor(
    readonly binding: NativeBinding,
    private readonly fd: number,
    requested: VmAddress,
    options: ListenerOptions,
    private readonly events: ListenerEvents,
  ) {
    this.local = this.boundAddress(requested);
    this.unlinkPath = socketFileOf(requested, 'bind');
    this.poller = new binding.Poller(fd, (status) => this.onAcceptable(status));
    if (options.unrefed) this.poller.unref();
    this.poller.start(binding.pollEvents.READABLE);
  }

  discard(fd: number): void {
    this.binding.close(fd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.backoff !== undefined) clearTimeout(this.backoff);
    this.backoff = undefined;
    this.poller?.close();
    this.poller = undefined;
    this.binding.close(this.fd);
    // Synchronously, as libuv does: a server started right after close() must find the path free.
    if (this.unlinkPath !== undefined) removeSocketFile(this.unlinkPath);
  }

  ref(): void {
    this.poller?.ref();
  }

  unref(): void {
    this.poller?.unref();
  }

  private boundAddress(requested: VmAddress): VmAddress {
    if (requested.family !== 'vsock') return requested;
    const raw = this.binding.getsockname(this.fd);
    return (typeof raw === 'number' ? undefined : decodeSockaddr(raw)) ?? requested;
  }

  private onAcceptable(status: number): void {
    if (this.closed) return;
    if (status < 0) return this.acceptFailed(pollFailureCode(this.binding, this.fd, status));
    for (;;) {
      const fd = this.binding.accept(this.fd);
      if (fd === EAGAIN) return;
      if (fd === ECONNABORTED) continue;
      if (fd < 0) return this.acceptFailed(fd);
      this.events.accepted({ fd, remote: this.peerOf(fd), local: this.local });
      if (this.closed) return;
    }
  }

  // For hybrid vsock every connection on <path>_<port> comes from the VMM of that socket, which
  // stands for its guest; for the other families the kernel reports the peer (and for Unix
  // sockets the peer process's credentials).
  private peerOf(fd: number): VmAddress | undefined {
    if (this.local.family === 'hybrid-vsock') return this.local;
    const raw = this.binding.getpeername(fd);
    const named = typeof raw === 'number' ? undefined : decodeSockaddr(raw);
    if (this.local.family !== 'unix') return named;
    return unixPeerAddress(this.binding, fd, named?.family === 'unix' ? named : undefined);
  }

  private acceptFailed(code: number): void {
    // Out of descriptors or memory: pause accepting rather than spin on a level-triggered poll.
    this.poller?.stop();
    this.backoff = setTimeout(() => {
      this.backoff = undefined;
      this.poller?.start(this.binding.pollEvents.READABLE);
    }, ACCEPT_BACKOFF_MS);
    this.backoff.unref();
    this.events.failed(systemError(code, 'accept', formatTarget(this.local)), ACCEPT_BACKOFF_MS);
  }
}

function removeSocketFile(path: string): void {
  try {
    fs.rmSync(path, { force: true });
  } catch {
    // Already gone or not ours to remove: nothing listens there any more either way.
  }
}
