/**
 * Listening for VM socket connections with node:net's vocabulary: createServer(options,
 * onConnection), listen(target) (a promise here), 'listening', 'connection', 'error', 'close',
 * close(), address(), maxConnections, ref()/unref(). Accepting runs on Node's event loop (a
 * Poller on Linux, AcceptEx completions on Windows: see listener.ts), so a server costs no thread.
 */
import { EventEmitter } from 'node:events';
import type { VmAddress } from './addresses';
import type { NativeBinding } from './binding';
import type { Win32Binding } from './binding-win32';
import type { ConnectedFd } from './connect-attempt';
import type { DataPathOption } from './data-path';
import { VmError, abortError } from './errors';
import { checkHvsockOptions, type HvsockOptions } from './hvsock-options';
import type { Listener } from './listener';
import { PosixListener } from './listener-posix';
import { HvsockListener } from './listener-win32';
import { checkBoolean, checkFunction, checkPositiveInteger, checkSignal, optionalObject } from './options';
import { createDataPathSocket } from './socket-factory';
import { toAddress } from './target';
import type { VmSocket } from './vm-socket';

/** What a server needs of its accepted sockets: to know when they close. */
export interface ClosableSocket {
  once(event: 'close', listener: () => void): this;
}

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
  /**
   * hvsock (Windows): Hyper-V socket options. `containerPassthru` and `highVtl` apply to the
   * listener, `connectedSuspend` to every accepted connection; `connectTimeout` is for connects.
   */
  hvsock?: HvsockOptions;
}

/** Options of {@link VmServer.listen}. */
export interface ListenOptions {
  /** listen(2) backlog. Default 511, as node:net. */
  backlog?: number;
  /** Closes the server when aborted. */
  signal?: AbortSignal;
  /**
   * Unix and hybrid vsock: when the socket file exists but nothing answers on it (a server
   * killed with SIGKILL left it), remove it and listen. A live server's file, and a file that
   * is not a socket, are never removed: listen fails with EADDRINUSE as without this option.
   * Default false.
   */
  removeStaleSocket?: boolean;
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
  private listener: Listener | undefined;
  private connections = new Set<S>();
  private closing = false;
  private unrefed = false;
  /** Removes the abort listener of the current listen()'s signal (net.Server drops it on close too). */
  private forgetSignal: (() => void) | undefined;

  /** Socket type to listen with; seqpacket servers override it. */
  protected readonly socketType: 'stream' | 'seqpacket' = 'stream';

  constructor(options?: ServerOptions, onConnection?: (socket: S) => void) {
    super();
    const opts = optionalObject('options', options);
    checkBoolean('options.allowHalfOpen', opts.allowHalfOpen);
    checkBoolean('options.pauseOnConnect', opts.pauseOnConnect);
    checkPositiveInteger('options.bufferSize', opts.bufferSize);
    this.options = { ...opts, hvsock: checkHvsockOptions('options.hvsock', opts.hvsock) };
    if (checkFunction('onConnection', onConnection) !== undefined) this.on('connection', onConnection!);
  }

  /** True while accepting connections. */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** Starts listening on `target` (e.g. `vsock:any:5000`, `hybrid-vsock:/run/v.sock:52`, `unix:/run/x.sock`). */
  async listen(target: string | VmAddress, options?: ListenOptions): Promise<void> {
    const address = toAddress(target);
    const opts = optionalObject('options', options);
    const backlog = checkPositiveInteger('options.backlog', opts.backlog, 0x7fffffff) ?? 511;
    const signal = checkSignal('options.signal', opts.signal);
    const removeStaleSocket = checkBoolean('options.removeStaleSocket', opts.removeStaleSocket) ?? false;
    if (this.listener !== undefined) throw new VmError('ERR_SERVER_ALREADY_LISTEN', 'listen() was called on a server that is already listening');
    if (signal?.aborted) throw abortError(signal, 'listen');
    const listenerOptions = {
      backlog,
      socketType: this.socketType,
      bufferSize: this.options.bufferSize,
      hvsock: this.options.hvsock,
      unrefed: this.unrefed,
      removeStaleSocket,
    };
    const events = {
      accepted: (connected: ConnectedFd) => this.handleAccepted(connected),
      failed: (error: Error, retryMs?: number) => this.acceptFailed(error, retryMs),
    };
    this.listener =
      address.family === 'hvsock' ? HvsockListener.open(address, listenerOptions, events) : PosixListener.open(address, listenerOptions, events);
    this.closing = false;
    if (signal !== undefined) {
      const onAbort = (): void => void this.close();
      signal.addEventListener('abort', onAbort, { once: true });
      this.forgetSignal = () => signal.removeEventListener('abort', onAbort);
    }
    process.nextTick(() => this.emit('listening'));
  }

  /** The bound address (for `vsock:any:any` the port the kernel chose), or null when not listening. */
  address(): VmAddress | null {
    return this.listener?.local ?? null;
  }

  /** Stops accepting; 'close' follows once every accepted connection has closed. */
  close(callback?: (error?: Error) => void): this {
    if (callback !== undefined) {
      if (this.listener === undefined) {
        process.nextTick(callback, new VmError('ERR_SERVER_NOT_RUNNING', 'Server is not running.'));
        return this;
      }
      this.once('close', callback);
    }
    if (this.listener === undefined) return this;
    this.listener.close();
    this.listener = undefined;
    this.forgetSignal?.();
    this.forgetSignal = undefined;
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
    this.listener?.ref();
    return this;
  }

  /** Lets the process exit while the server still listens, as net.Server#unref. */
  unref(): this {
    this.unrefed = true;
    this.listener?.unref();
    return this;
  }

  private handleAccepted(connected: ConnectedFd): void {
    const listener = this.listener!;
    if (this.connections.size >= this.maxConnections) {
      listener.discard(connected.fd);
      this.emit('drop', connected.remote);
      return;
    }
    const socket = this.acceptedSocket(listener.binding, connected);
    this.connections.add(socket);
    socket.once('close', () => {
      this.connections.delete(socket);
      this.maybeEmitClose();
    });
    this.emit('connection', socket);
  }

  /** Wraps an accepted fd in the socket type of this server. */
  protected acceptedSocket(binding: NativeBinding | Win32Binding, connected: ConnectedFd): S {
    const socket = createDataPathSocket(binding, this.options.dataPath, this.options.allowHalfOpen);
    socket.adopt(connected, { pauseOnConnect: this.options.pauseOnConnect === true });
    return socket as unknown as S;
  }

  private acceptFailed(error: Error, retryMs: number | undefined): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else {
      const next = retryMs === undefined ? 'that connection was closed' : `accepting resumes in ${retryMs} ms`;
      process.emitWarning(`VmServer: ${error.message}; ${next}`);
    }
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
