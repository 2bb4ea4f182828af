/**
 * Listening for VM socket connections with node:net's vocabulary: createServer(options,
 * onConnection), listen(target) (a promise here), 'listening', 'connection', 'error', 'close',
 * close(), address(), maxConnections, ref()/unref(). Accepting is driven by a Poller on the
 * listening fd, so a server costs no thread.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as util from 'node:util';
import type { VmAddress } from './addresses';
import type { NativeBinding, NativePoller } from './binding';
import type { DataPathOption } from './data-path';
import { VmError, abortError, systemError } from './errors';
import { checkBoolean, checkFunction, checkPositiveInteger, checkSignal, optionalObject } from './options';
import { decodeSockaddr } from './sockaddr';
import { createDataPathSocket } from './socket-factory';
import { setVsockBufferSize } from './socket-options';
import { errorHint, hybridListenPath, planSocket } from './socket-family';
import { formatTarget, toAddress } from './target';
import { pollFailureCode, type ConnectedFd } from './dial';
import type { VmSocket } from './vm-socket';

/** What a server needs of its accepted sockets: to know when they close. */
export interface ClosableSocket {
  once(event: 'close', listener: () => void): this;
}

const EAGAIN = -os.constants.errno.EAGAIN;
const ECONNABORTED = -os.constants.errno.ECONNABORTED;
/** After EMFILE and the like, pause accepting this long instead of spinning. */
const ACCEPT_BACKOFF_MS = 100;

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Keep accepted sockets writable after their peer ends. Default false. */
  allowHalfOpen?: boolean;
  /** Accepted sockets start paused (as net's pauseOnConnect). */
  pauseOnConnect?: boolean;
  /** Data path of accepted sockets. */
  dataPath?: DataPathOption;
  /** vsock: SO_VM_SOCKETS_BUFFER_SIZE of the listener, which accepted sockets inherit. */
  bufferSize?: number;
}

/** Options of {@link VmServer.listen}. */
export interface ListenOptions {
  /** listen(2) backlog. Default 511, as node:net. */
  backlog?: number;
  /** Closes the server when aborted. */
  signal?: AbortSignal;
}

/** The events of a VmServer and their listener arguments, as net.Server emits them. */
export interface VmServerEvents<S = VmSocket> {
  listening: [];
  connection: [socket: S];
  /** A connection closed at once because maxConnections was reached. */
  drop: [peer: VmAddress | undefined];
  error: [error: Error];
  close: [];
}

/** A listening VM socket; `S` is the type of accepted sockets (streams, or seqpacket sockets). */
export class VmServer<S extends ClosableSocket = VmSocket> extends EventEmitter<VmServerEvents<S>> {
  /** Close new connections beyond this many open ones (as net.Server#maxConnections). */
  maxConnections = Infinity;
  protected readonly options: ServerOptions;
  private fd = -1;
  private binding: NativeBinding | undefined;
  private poller: NativePoller | undefined;
  private local: VmAddress | undefined;
  private unlinkPath: string | undefined;
  private connections = new Set<S>();
  private closing = false;
  private unrefed = false;
  private backoff: NodeJS.Timeout | undefined;

  /** Socket type to listen with; seqpacket servers override it. */
  protected readonly socketType: 'stream' | 'seqpacket' = 'stream';

  constructor(options?: ServerOptions, onConnection?: (socket: S) => void) {
    super();
    const opts = optionalObject('options', options);
    checkBoolean('options.allowHalfOpen', opts.allowHalfOpen);
    checkBoolean('options.pauseOnConnect', opts.pauseOnConnect);
    checkPositiveInteger('options.bufferSize', opts.bufferSize);
    this.options = { ...opts };
    if (checkFunction('onConnection', onConnection) !== undefined) this.on('connection', onConnection!);
  }

  /** True while accepting connections. */
  get listening(): boolean {
    return this.fd >= 0;
  }

  /** Starts listening on `target` (e.g. `vsock:any:5000`, `hybrid-vsock:/run/v.sock:52`, `unix:/run/x.sock`). */
  async listen(target: string | VmAddress, options?: ListenOptions): Promise<void> {
    const address = toAddress(target);
    const opts = optionalObject('options', options);
    const backlog = checkPositiveInteger('options.backlog', opts.backlog, 0x7fffffff) ?? 511;
    const signal = checkSignal('options.signal', opts.signal);
    if (this.fd >= 0) throw new VmError('ERR_SERVER_ALREADY_LISTEN', 'listen() was called on a server that is already listening');
    if (signal?.aborted) throw abortError(signal, 'listen');
    const plan = planSocket(address, 'listen');
    const { binding } = plan;
    const fd = binding.socket(plan.domain, this.socketType === 'seqpacket' ? binding.constants.SOCK_SEQPACKET : binding.constants.SOCK_STREAM);
    const fail = (rc: number, syscall: string): never => {
      if (fd >= 0) binding.close(fd);
      throw systemError(rc, syscall, plan.target, errorHint(util.getSystemErrorName(rc), syscall, address));
    };
    if (fd < 0) fail(fd, 'socket');
    if (address.family === 'vsock' && this.options.bufferSize !== undefined) {
      try {
        setVsockBufferSize(binding, fd, this.options.bufferSize, plan.target);
      } catch (error) {
        binding.close(fd);
        throw error;
      }
    }
    let rc = binding.bind(fd, plan.sockaddr);
    if (rc < 0) fail(rc, 'bind');
    rc = binding.listen(fd, backlog);
    if (rc < 0) fail(rc, 'listen');

    this.binding = binding;
    this.fd = fd;
    this.closing = false;
    this.local = this.boundAddress(address);
    if (address.family === 'unix' && address.abstract !== true) this.unlinkPath = address.path;
    if (address.family === 'hybrid-vsock') this.unlinkPath = hybridListenPath(address.path, address.port);
    this.poller = new binding.Poller(fd, (status) => this.onAcceptable(status));
    if (this.unrefed) this.poller.unref();
    this.poller.start(binding.pollEvents.READABLE);
    signal?.addEventListener('abort', () => this.close(), { once: true });
    process.nextTick(() => this.emit('listening'));
  }

  /** The bound address (for `vsock:any:any` the port the kernel chose), or null when not listening. */
  address(): VmAddress | null {
    return this.fd >= 0 && this.local !== undefined ? this.local : null;
  }

  /** Stops accepting; 'close' follows once every accepted connection has closed. */
  close(callback?: (error?: Error) => void): this {
    if (callback !== undefined) {
      if (this.fd < 0) {
        process.nextTick(callback, new VmError('ERR_SERVER_NOT_RUNNING', 'Server is not running.'));
        return this;
      }
      this.once('close', callback);
    }
    if (this.fd < 0) return this;
    this.stopAccepting();
    this.binding!.close(this.fd);
    this.fd = -1;
    // Synchronously, as libuv does: a server started right after close() must find the path free.
    if (this.unlinkPath !== undefined) removeSocketFile(this.unlinkPath);
    this.unlinkPath = undefined;
    this.closing = true;
    this.maybeEmitClose();
    return this;
  }

  /** Number of open accepted connections (as net.Server#getConnections). */
  getConnections(callback: (error: Error | null, count: number) => void): this {
    process.nextTick(callback, null, this.connections.size);
    return this;
  }

  /** Keeps the process alive while the server listens (the default), as net.Server#ref. */
  ref(): this {
    this.unrefed = false;
    this.poller?.ref();
    return this;
  }

  /** Lets the process exit while the server still listens, as net.Server#unref. */
  unref(): this {
    this.unrefed = true;
    this.poller?.unref();
    return this;
  }

  private boundAddress(requested: VmAddress): VmAddress {
    if (requested.family !== 'vsock') return requested;
    const raw = this.binding!.getsockname(this.fd);
    return (typeof raw === 'number' ? undefined : decodeSockaddr(raw)) ?? requested;
  }

  private onAcceptable(status: number): void {
    if (this.fd < 0) return;
    if (status < 0) return this.acceptFailed(pollFailureCode(this.binding!, this.fd, status));
    const binding = this.binding!;
    for (;;) {
      const fd = binding.accept(this.fd);
      if (fd === EAGAIN) return;
      if (fd === ECONNABORTED) continue;
      if (fd < 0) return this.acceptFailed(fd);
      this.handleAccepted(binding, fd);
      if (this.fd < 0) return;
    }
  }

  private handleAccepted(binding: NativeBinding, fd: number): void {
    const remote = this.peerOf(binding, fd);
    if (this.connections.size >= this.maxConnections) {
      binding.close(fd);
      this.emit('drop', remote);
      return;
    }
    const socket = this.acceptedSocket(binding, { fd, remote, local: this.local });
    this.connections.add(socket);
    socket.once('close', () => {
      this.connections.delete(socket);
      this.maybeEmitClose();
    });
    this.emit('connection', socket);
  }

  /** Wraps an accepted fd in the socket type of this server. */
  protected acceptedSocket(binding: NativeBinding, connected: ConnectedFd): S {
    const socket = createDataPathSocket(binding, this.options.dataPath, this.options.allowHalfOpen);
    socket.adopt(connected, { pauseOnConnect: this.options.pauseOnConnect === true });
    return socket as unknown as S;
  }

  // For hybrid vsock every connection on <path>_<port> comes from the VMM of that socket, which
  // stands for its guest; for the other families the kernel reports the peer.
  private peerOf(binding: NativeBinding, fd: number): VmAddress | undefined {
    if (this.local?.family === 'hybrid-vsock') return this.local;
    const raw = binding.getpeername(fd);
    return typeof raw === 'number' ? undefined : decodeSockaddr(raw);
  }

  private acceptFailed(code: number): void {
    // Out of descriptors or memory: pause accepting rather than spin on a level-triggered poll.
    this.poller?.stop();
    this.backoff = setTimeout(() => {
      this.backoff = undefined;
      this.poller?.start(this.binding!.pollEvents.READABLE);
    }, ACCEPT_BACKOFF_MS);
    this.backoff.unref();
    const error = systemError(code, 'accept', this.local && formatTarget(this.local));
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else process.emitWarning(`VmServer: ${error.message}; accepting resumes in ${ACCEPT_BACKOFF_MS} ms`);
  }

  private stopAccepting(): void {
    if (this.backoff !== undefined) clearTimeout(this.backoff);
    this.backoff = undefined;
    this.poller?.close();
    this.poller = undefined;
  }

  private maybeEmitClose(): void {
    if (this.closing && this.connections.size === 0) {
      this.closing = false;
      process.nextTick(() => this.emit('close'));
    }
  }
}

/** Creates a server; `onConnection` is added as a 'connection' listener. */
export function createServer(options?: ServerOptions, onConnection?: (socket: VmSocket) => void): VmServer;
export function createServer(onConnection?: (socket: VmSocket) => void): VmServer;
export function createServer(
  optionsOrListener?: ServerOptions | ((socket: VmSocket) => void),
  onConnection?: (socket: VmSocket) => void,
): VmServer {
  if (typeof optionsOrListener === 'function') return new VmServer(undefined, optionsOrListener);
  return new VmServer(optionsOrListener, onConnection);
}

function removeSocketFile(path: string): void {
  try {
    fs.rmSync(path, { force: true });
  } catch {
    // Already gone or not ours to remove: nothing listens there any more either way.
  }
}
