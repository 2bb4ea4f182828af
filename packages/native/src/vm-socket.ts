/**
 * The public shape of a connected VM socket, whichever data path carries it, and the pieces both
 * data paths share: the address accessors and how a socket waits for its connection.
 */
import type { Duplex } from 'node:stream';
import type { VmAddress, VmAddressFamily } from './addresses';
import type { ConnectAttempt, ConnectedFd } from './connect-attempt';
import { VmError, abortError } from './errors';
import { formatTarget } from './target';

/**
 * How a socket's bytes move: `native-handle` hands the fd to Node's own stream machinery (what
 * net.Socket uses; fastest, and node:http2 runs natively on it); `portable` is a Duplex in this
 * package driven by event-loop readiness (works where the first is unavailable).
 */
export type DataPath = 'native-handle' | 'portable';

/** A VM socket: a node:net-style Duplex with typed VM addresses. */
export interface VmSocket extends Duplex {
  /** The peer, as the kernel reports it (for accepted vsock sockets: the verified CID and port). */
  readonly remoteVmAddress: VmAddress | undefined;
  /** This end; for vsock client sockets the kernel may report CID any (0xffffffff). */
  readonly localVmAddress: VmAddress | undefined;
  /** The peer as a target string, e.g. `vsock:3:1024` (node:net puts an IP address here). */
  readonly remoteAddress?: string | undefined;
  /** The peer's port for vsock and hybrid vsock, otherwise undefined. */
  readonly remotePort?: number | undefined;
  /** The peer's address family name, e.g. `vsock`. */
  readonly remoteFamily?: VmAddressFamily | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /** Which data path carries this socket. */
  readonly dataPath: DataPath;
  /** True until the connection is established (as net.Socket#connecting). */
  readonly connecting: boolean;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** Emits 'timeout' after `ms` of inactivity (0 disables), as net.Socket#setTimeout. */
  setTimeout(ms: number, callback?: () => void): this;
  /** Lets the process exit while this socket is open (as net.Socket#unref). */
  unref(): this;
  /** Undoes unref(): the socket keeps the process alive again. */
  ref(): this;
}

/** What the server and createConnection need from either data path's socket class. */
export interface AdoptingSocket extends VmSocket {
  /** Takes ownership of a connected fd and starts the stream ('connect' follows). */
  adopt(connected: ConnectedFd, options?: { pauseOnConnect?: boolean }): void;
  /** Waits for `pending` and adopts its fd, or is destroyed with its error. */
  connectWith(pending: ConnectAttempt): void;
}

/** Defines node:net's string address accessors on a socket class from its VM addresses. */
export function defineAddressAccessors(prototype: object): void {
  const accessors: Record<string, (this: VmSocket) => unknown> = {
    remoteAddress() {
      return this.remoteVmAddress && formatTarget(this.remoteVmAddress);
    },
    remotePort() {
      return portOf(this.remoteVmAddress);
    },
    remoteFamily() {
      return this.remoteVmAddress?.family;
    },
    localAddress() {
      return this.localVmAddress && formatTarget(this.localVmAddress);
    },
    localPort() {
      return portOf(this.localVmAddress);
    },
  };
  for (const [name, get] of Object.entries(accessors)) Object.defineProperty(prototype, name, { get, configurable: true });
}

function portOf(address: VmAddress | undefined): number | undefined {
  return address?.family === 'vsock' || address?.family === 'hybrid-vsock' ? address.port : undefined;
}

/**
 * Runs a pending connect for `socket`: on success the socket adopts the fd (unless it was
 * destroyed meanwhile, then the fd is closed); on failure the socket is destroyed with the error.
 * Returns the cancel function the socket calls from its _destroy.
 */
export function runPendingConnect(
  socket: AdoptingSocket,
  pending: ConnectAttempt,
  closeFd: (fd: number) => void,
): (error: Error | null) => void {
  pending.startWith((error, connected) => {
    if (error !== null) return void socket.destroy(error);
    const { fd } = connected!;
    // An abort that lands after the kernel connected but before the socket took the fd
    // still wins: the caller has not seen a connection yet.
    if (socket.destroyed || pending.signal?.aborted) {
      closeFd(fd);
      if (!socket.destroyed) socket.destroy(abortError(pending.signal, `connect to ${pending.target}`));
    } else {
      socket.adopt(connected!);
    }
  });
  return (error) =>
    pending.cancel(error ?? new VmError('ERR_VMRPC_SOCKET_CLOSED', `connect to ${pending.target} cancelled: the socket was destroyed`));
}
