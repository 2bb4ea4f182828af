/**
 * Establishing one connection on a raw fd: a non-blocking connect(2) watched by a Poller, bounded
 * by a timeout and cancellable by an AbortSignal or by the socket that waits for it. Nothing
 * here can hang: every path ends in exactly one settle(), which releases the poller, the timer,
 * the abort listener and, on failure, the fd.
 */
import * as os from 'node:os';
import * as util from 'node:util';
import type { VmAddress } from './addresses';
import type { NativeBinding, NativePoller } from './binding';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './constants';
import { abortError, codedSystemError, systemError, type VmSocketSystemError } from './errors';
import { MAX_HYBRID_REPLY_BYTES, hybridConnectRequest, parseHybridReply } from './hybrid-handshake';
import { decodeSockaddr } from './sockaddr';
import { errorHint, planSocket, type FamilyPlan } from './socket-family';
import { setVsockBufferSize, setVsockConnectTimeout } from './socket-options';

const EINPROGRESS = -os.constants.errno.EINPROGRESS;
const EAGAIN = -os.constants.errno.EAGAIN;

/** Options of one dial. */
export interface DialOptions {
  /** Milliseconds until the attempt fails with ETIMEDOUT; Infinity waits as long as the kernel does. */
  connectTimeout?: number;
  signal?: AbortSignal | undefined;
  /** Sets VMADDR_FLAG_TO_HOST (vsock only). */
  toHost?: boolean;
  /** SO_VM_SOCKETS_BUFFER_SIZE in bytes (vsock only). */
  bufferSize?: number | undefined;
  /** SOCK_STREAM (default) or SOCK_SEQPACKET. */
  socketType?: 'stream' | 'seqpacket';
}

/** A connected descriptor and what is known of its two ends. */
export interface ConnectedFd {
  readonly fd: number;
  /** Undefined for unnamed peers (a Unix client socket that never bound a path). */
  readonly remote: VmAddress | undefined;
  readonly local: VmAddress | undefined;
}

/** One connection attempt; call start() once, cancel() at any time. */
export class PendingConnect {
  private readonly plan: FamilyPlan;
  private fd = -1;
  private poller: NativePoller | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  private resolve!: (result: ConnectedFd) => void;
  private reject!: (error: Error) => void;
  private readonly onAbort = (): void => this.fail(abortError(this.options.signal, `connect to ${this.plan.target}`));

  constructor(
    private readonly address: VmAddress,
    private readonly options: DialOptions = {},
  ) {
    this.plan = planSocket(address, 'connect', options.toHost === true);
  }

  /** The signal of this attempt, if any. */
  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /** The target string being dialled. */
  get target(): string {
    return this.plan.target;
  }

  start(): Promise<ConnectedFd> {
    const promise = new Promise<ConnectedFd>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const { signal } = this.options;
    if (signal?.aborted) {
      this.fail(abortError(signal, `connect to ${this.plan.target}`));
      return promise;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    const timeout = this.options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (Number.isFinite(timeout)) {
      this.timer = setTimeout(
        () => this.fail(codedSystemError('ETIMEDOUT', 'connect', this.plan.target, `no connection within ${timeout} ms`)),
        timeout,
      );
    }
    this.open(timeout);
    return promise;
  }

  /** Ends the attempt with `error` (no effect once settled). */
  cancel(error: Error): void {
    this.fail(error);
  }

  private open(timeout: number): void {
    const { binding, domain, sockaddr } = this.plan;
    const type = this.options.socketType === 'seqpacket' ? binding.constants.SOCK_SEQPACKET : binding.constants.SOCK_STREAM;
    const fd = binding.socket(domain, type);
    if (fd < 0) return this.failWith(fd, 'socket');
    this.fd = fd;
    try {
      if (this.address.family === 'vsock') {
        // The kernel's own limit (2 s by default) would otherwise cut our longer timeouts short.
        setVsockConnectTimeout(binding, fd, Number.isFinite(timeout) ? timeout : 0x7fffffff, this.plan.target);
        if (this.options.bufferSize !== undefined) setVsockBufferSize(binding, fd, this.options.bufferSize, this.plan.target);
      }
    } catch (error) {
      return this.fail(error as Error);
    }
    const rc = binding.connect(fd, sockaddr);
    if (rc === 0) return this.connected();
    if (rc !== EINPROGRESS) return this.failWith(rc, 'connect');
    this.poller = new binding.Poller(fd, (status) => {
      if (this.settled) return;
      this.stopPolling();
      const error = status < 0 ? pollFailureCode(binding, fd, status) : binding.socketError(fd);
      if (error < 0) this.failWith(error, 'connect');
      else this.connected();
    });
    this.poller.start(binding.pollEvents.WRITABLE);
  }

  private connected(): void {
    if (this.address.family === 'hybrid-vsock') return this.sendHybridRequest(this.address.port);
    const raw = this.plan.binding.getsockname(this.fd);
    this.succeed(typeof raw === 'number' ? undefined : decodeSockaddr(raw));
  }

  // The request is a few bytes on a fresh socket, so it is written whole or not at all.
  private sendHybridRequest(port: number): void {
    const rc = this.plan.binding.writev(this.fd, [hybridConnectRequest(port)]);
    if (rc < 0) return this.failWith(rc, 'write');
    this.awaitHybridReply();
  }

  private awaitHybridReply(): void {
    const { binding } = this.plan;
    const peeked = Buffer.alloc(MAX_HYBRID_REPLY_BYTES);
    // Returns true once the reply settled the attempt.
    const check = (): boolean => {
      const n = binding.peek(this.fd, peeked, 0, peeked.length);
      if (n === EAGAIN) return false;
      if (n < 0) {
        this.failWith(n, 'read');
        return true;
      }
      if (n === 0) {
        this.fail(
          codedSystemError('ECONNREFUSED', 'connect', this.plan.target, 'the VMM closed the connection without OK: no guest process accepted on that vsock port'),
        );
        return true;
      }
      const reply = parseHybridReply(peeked.subarray(0, n), this.plan.target);
      if (reply.kind === 'incomplete') return false;
      if (reply.kind === 'invalid') {
        this.fail(reply.error);
        return true;
      }
      // Consume exactly the reply line; what follows belongs to the stream.
      binding.read(this.fd, peeked, 0, reply.lineBytes);
      const address = this.address as { path: string };
      this.succeed({ family: 'hybrid-vsock', path: address.path, port: reply.hostPort });
      return true;
    };
    if (check()) return;
    this.poller = new binding.Poller(this.fd, (status) => {
      if (this.settled) return;
      if (status < 0) return this.failWith(pollFailureCode(binding, this.fd, status), 'read');
      check();
    });
    this.poller.start(binding.pollEvents.READABLE);
  }

  private succeed(local: VmAddress | undefined): void {
    if (this.settled) return;
    this.settle();
    this.resolve({ fd: this.fd, remote: this.address, local });
  }

  private failWith(code: number, syscall: string): void {
    this.fail(connectError(code, syscall, this.address, this.plan.target));
  }

  private fail(error: Error): void {
    if (this.settled) return;
    this.settle();
    if (this.fd >= 0) this.plan.binding.close(this.fd);
    this.fd = -1;
    this.reject(error);
  }

  private stopPolling(): void {
    this.poller?.close();
    this.poller = undefined;
  }

  private settle(): void {
    this.settled = true;
    this.stopPolling();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}

/**
 * The error for a failed connect. A vsock peer with no listener answers with a reset, so
 * ECONNRESET during connect is reported as the ECONNREFUSED users test for.
 */
export function connectError(code: number, syscall: string, address: VmAddress, target: string): VmSocketSystemError {
  const refusedByReset = syscall === 'connect' && address.family === 'vsock' && util.getSystemErrorName(code) === 'ECONNRESET';
  if (refusedByReset) {
    return codedSystemError('ECONNREFUSED', 'connect', target, `no listener on port ${address.port} at CID ${address.cid}; the kernel reported ECONNRESET`);
  }
  const name = util.getSystemErrorName(code);
  return systemError(code, syscall, target, errorHint(name, syscall, address));
}

/**
 * The real error behind a failed poll: libuv reports POLLERR as EBADF and stops the handle, so
 * the socket's pending error (SO_ERROR, e.g. ECONNRESET) is what the user needs to see.
 */
export function pollFailureCode(binding: NativeBinding, fd: number, status: number): number {
  const pending = binding.socketError(fd);
  return pending < 0 ? pending : status;
}
