/**
 * Listening on Hyper-V sockets (Windows): a few AcceptEx calls stay in flight on the completion
 * port, each into a fresh socket; the peer's VM id comes from the address AcceptEx returns.
 * Closing the listener aborts them, and their sockets are closed as their completions arrive.
 */
import type { HvsockAddress, VmAddress } from './addresses';
import type { Win32Binding } from './binding-win32';
import { VmError } from './errors';
import { applyHvsockOptions } from './dial-win32';
import { hvsockBinding, hvsockSystemError } from './hvsock-family';
import type { HvsockOptions } from './hvsock-options';
import { ACCEPT_BACKOFF_MS, type Listener, type ListenerEvents, type ListenerOptions } from './listener';
import { decodeSockaddr, encodeHvsock } from './sockaddr';
import { formatTarget } from './target';
import { windowsErrorInfo } from './winsock-errors';

/** AcceptEx calls kept in flight: a burst of connects does not wait for JS between accepts. */
const ACCEPTS_IN_FLIGHT = 4;
/** A peer that gave up before its connection was accepted: accept the next one, no pause. */
const PEER_GONE = new Set(['ECONNRESET', 'ECONNABORTED']);

export class HvsockListener implements Listener {
  private inFlight = 0;
  private closed = false;
  private holdsRef = false;
  private unrefed: boolean;
  private backoff: NodeJS.Timeout | undefined;
  private readonly target: string;

  /** Binds and listens; throws the Node-style error of the first call that failed. */
  static open(address: HvsockAddress, options: ListenerOptions, events: ListenerEvents): HvsockListener {
    const target = formatTarget(address);
    if (options.socketType !== 'stream') {
      throw new VmError('ERR_VMRPC_UNSUPPORTED_PLATFORM', `${target}: Hyper-V sockets are stream sockets only (no SOCK_SEQPACKET)`);
    }
    const binding = hvsockBinding(target);
    const { constants } = binding;
    const socket = binding.socket(constants.AF_HYPERV, constants.SOCK_STREAM, constants.HV_PROTOCOL_RAW);
    if (socket < 0) throw hvsockSystemError(socket, 'socket', address, target);
    const fail = (error: Error): never => {
      binding.close(socket);
      throw error;
    };
    const optionError = applyHvsockOptions(binding, socket, listenerOptions(options.hvsock), address, target);
    if (optionError !== undefined) fail(optionError);
    let rc = binding.bind(socket, encodeHvsock(address));
    if (rc < 0) fail(hvsockSystemError(rc, 'bind', address, target));
    rc = binding.listen(socket, options.backlog);
    if (rc < 0) fail(hvsockSystemError(rc, 'listen', address, target));
    return new HvsockListener(binding, socket, address, options, events);
  }

  private constructor(
    readonly binding: Win32Binding,
    private readonly socket: number,
    readonly local: HvsockAddress,
    private readonly options: ListenerOptions,
    private readonly events: ListenerEvents,
  ) {
    this.target = formatTarget(local);
    this.unrefed = options.unrefed;
    this.updateRef();
    this.fill();
  }

  discard(fd: number): void {
    this.binding.close(fd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.backoff !== undefined) clearTimeout(this.backoff);
    this.backoff = undefined;
    // Aborts the AcceptEx calls in flight; onAccepted closes their sockets.
    this.binding.close(this.socket);
    this.updateRef();
  }

  ref(): void {
    this.unrefed = false;
    this.updateRef();
  }

  unref(): void {
    this.unrefed = true;
    this.updateRef();
  }

  private fill(): void {
    while (!this.closed && this.backoff === undefined && this.inFlight < ACCEPTS_IN_FLIGHT) {
      if (!this.post()) return;
    }
  }

  /** Starts one AcceptEx; false (after reporting) when it could not start. */
  private post(): boolean {
    const { binding } = this;
    const { constants } = binding;
    const acceptSocket = binding.socket(constants.AF_HYPERV, constants.SOCK_STREAM, constants.HV_PROTOCOL_RAW);
    if (acceptSocket < 0) {
      this.pause(acceptSocket, 'socket');
      return false;
    }
    const rc = binding.accept(this.socket, acceptSocket, (result, remote) => this.onAccepted(acceptSocket, result, remote));
    if (rc < 0) {
      binding.close(acceptSocket);
      this.pause(rc, 'accept');
      return false;
    }
    this.inFlight++;
    return true;
  }

  private onAccepted(acceptSocket: number, result: number, remote: Buffer | undefined): void {
    this.inFlight--;
    if (this.closed) {
      this.binding.close(acceptSocket);
      return;
    }
    if (result < 0) {
      this.binding.close(acceptSocket);
      if (PEER_GONE.has(windowsErrorInfo(result)?.code ?? '')) return this.fill();
      return this.pause(result, 'accept');
    }
    // Accepted sockets do not inherit every listener option: set the connection's own again.
    // One Windows refuses is a connection without what the server asked for: close it, say so.
    const suspend = this.options.hvsock?.connectedSuspend;
    const refused =
      suspend === undefined ? undefined : applyHvsockOptions(this.binding, acceptSocket, { connectedSuspend: suspend }, this.local, this.target);
    if (refused !== undefined) {
      this.binding.close(acceptSocket);
      this.events.failed(refused);
      return this.fill();
    }
    this.events.accepted({ fd: acceptSocket, remote: this.peerOf(acceptSocket, remote), local: this.local });
    this.fill();
  }

  private peerOf(acceptSocket: number, remote: Buffer | undefined): VmAddress | undefined {
    const raw = remote ?? this.binding.getpeername(acceptSocket);
    return typeof raw === 'number' ? undefined : decodeSockaddr(raw);
  }

  // Out of sockets or memory: pause accepting rather than fail in a loop.
  private pause(code: number, syscall: string): void {
    if (this.backoff === undefined) {
      this.backoff = setTimeout(() => {
        this.backoff = undefined;
        this.fill();
      }, ACCEPT_BACKOFF_MS);
      this.backoff.unref();
    }
    this.events.failed(hvsockSystemError(code, syscall, this.local, this.target), ACCEPT_BACKOFF_MS);
  }

  /** A listening, ref()'d server keeps the process alive, as a node:net server does. */
  private updateRef(): void {
    const want = !this.closed && !this.unrefed;
    if (want === this.holdsRef) return;
    this.holdsRef = want;
    if (want) this.binding.ioRef();
    else this.binding.ioUnref();
  }
}

/** The options a listening socket takes (CONNECTED_SUSPEND is set on each connection instead). */
function listenerOptions(options: HvsockOptions | undefined): HvsockOptions {
  const { containerPassthru, highVtl } = options ?? {};
  return {
    ...(containerPassthru === undefined ? {} : { containerPassthru }),
    ...(highVtl === undefined ? {} : { highVtl }),
  };
}
