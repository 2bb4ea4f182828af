/**
 * Establishing one connection on a raw fd (Linux): a non-blocking connect(2) watched by a
 * Poller; the timeout, abort and cancel rules are AttemptBase's, so nothing here can hang.
 */
import * as os from 'node:os';
import * as util from 'node:util';
import type { VmAddress } from './addresses';
import type { NativeBinding, NativePoller } from './binding';
import { AttemptBase, type AttemptOptions } from './connect-attempt';
import { codedSystemError, systemError, type VmSocketSystemError } from './errors';
import { MAX_HYBRID_REPLY_BYTES, hybridConnectRequest, parseHybridReply } from './hybrid-handshake';
import { decodeSockaddr } from './sockaddr';
import { errorHint, planSocket, type FamilyPlan } from './socket-family';
import { setVsockBufferSize, setVsockConnectTimeout } from './socket-options';

export type { ConnectedFd } from './connect-attempt';

const EINPROGRESS = -os.constants.errno.EINPROGRESS;
const EAGAIN = -os.constants.errno.EAGAIN;

/** Options of one dial. */
export interface DialOptions extends AttemptOptions {
  /** Sets VMADDR_FLAG_TO_HOST (vsock only). */
  toHost?: boolean;
  /** SO_VM_SOCKETS_BUFFER_SIZE in bytes (vsock only). */
  bufferSize?: number | undefined;
  /** SOCK_STREAM (default) or SOCK_SEQPACKET. */
  socketType?: 'stream' | 'seqpacket';
}

/** One connection attempt on Linux: a non-blocking connect(2) watched by a Poller. */
export class PendingConnect extends AttemptBase {
  private readonly plan: FamilyPlan;
  private poller: NativePoller | undefined;

  constructor(
    private readonly address: VmAddress,
    private readonly options: DialOptions = {},
  ) {
    const plan = planSocket(address, 'connect', options.toHost === true);
    super(plan.target, options);
    this.plan = plan;
  }

  protected open(timeout: number): void {
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
      this.releaseWaiters();
      const error = status < 0 ? pollFailureCode(binding, fd, status) : binding.socketError(fd);
      if (error < 0) this.failWith(error, 'connect');
      else this.connected();
    });
    this.poller.start(binding.pollEvents.WRITABLE);
  }

  protected closeFd(fd: number): void {
    this.plan.binding.close(fd);
  }

  protected override releaseWaiters(): void {
    this.poller?.close();
    this.poller = undefined;
  }

  private connected(): void {
    if (this.address.family === 'hybrid-vsock') return this.sendHybridRequest(this.address.port);
    const raw = this.plan.binding.getsockname(this.fd);
    this.succeed(this.address, typeof raw === 'number' ? undefined : decodeSockaddr(raw));
  }

  // The request is a few bytes on a fresh socket, so it is written whole or not at all.
  private sendHybridRequest(port: number): void {
    const rc = this.plan.binding.writev(this.fd, [hybridConnectRequest(port)]);
    if (rc < 0) return this.failWith(rc, 'write');
    this.awaitHybridReply();
  }

  private awaitHybridReply(): void {
    const { binding } = this.plan;
    const reply = Buffer.alloc(MAX_HYBRID_REPLY_BYTES);
    // Bytes of the reply taken off the socket so far. They are read, not only peeked: peeked bytes
    // stay readable, and a level-triggered poll on a partial line would fire without end.
    let taken = 0;
    // Returns true once the reply settled the attempt.
    const check = (): boolean => {
      const n = binding.peek(this.fd, reply, taken, reply.length - taken);
      if (n === EAGAIN) return false;
      if (n < 0) {
        this.failWith(n, 'read');
        return true;
      }
      if (n === 0) {
        this.fail(taken === 0 ? this.refusedError() : this.cutOffError(reply.subarray(0, taken)));
        return true;
      }
      // Take exactly up to the reply's newline: what follows it belongs to the guest's stream.
      const newline = reply.subarray(taken, taken + n).indexOf(0x0a);
      const length = newline < 0 ? n : newline + 1;
      const read = binding.read(this.fd, reply, taken, length);
      if (read < 0) {
        this.failWith(read, 'read');
        return true;
      }
      taken += read;
      const parsed = parseHybridReply(reply.subarray(0, taken), this.plan.target);
      if (parsed.kind === 'incomplete') return false;
      if (parsed.kind === 'invalid') {
        this.fail(parsed.error);
        return true;
      }
      const address = this.address as { path: string };
      this.succeed(this.address, { family: 'hybrid-vsock', path: address.path, port: parsed.hostPort });
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

  private refusedError(): Error {
    return codedSystemError('ECONNREFUSED', 'connect', this.plan.target, 'the VMM closed the connection without OK: no guest process accepted on that vsock port');
  }

  private cutOffError(partial: Buffer): Error {
    const shown = JSON.stringify(partial.toString('latin1'));
    return codedSystemError('ECONNRESET', 'connect', this.plan.target, `the VMM closed the connection in the middle of its reply (${shown}); is the VMM shutting down?`);
  }

  private failWith(code: number, syscall: string): void {
    this.fail(connectError(code, syscall, this.address, this.plan.target));
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
