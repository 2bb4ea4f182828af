/**
 * A listening socket as the server sees it, whatever the platform: it accepts connections and
 * hands each one over with its peer address, or reports why accepting paused. listener-posix.ts
 * waits for readiness on Node's event loop; listener-win32.ts keeps AcceptEx calls in flight.
 */
import type { VmAddress } from './addresses';
import type { NativeBinding } from './binding';
import type { Win32Binding } from './binding-win32';
import type { ConnectedFd } from './connect-attempt';
import type { HvsockOptions } from './hvsock-options';

/** What a listener reports to its server. */
export interface ListenerEvents {
  /** A new connection; the server owns `connected.fd` from now on. */
  accepted(connected: ConnectedFd): void;
  /**
   * Accepting failed; the listener retries by itself after `retryMs`. Without `retryMs`, one
   * connection could not be set up and was closed; accepting goes on at once.
   */
  failed(error: Error, retryMs?: number): void;
}

/** How to listen. */
export interface ListenerOptions {
  backlog: number;
  socketType: 'stream' | 'seqpacket';
  /** vsock: SO_VM_SOCKETS_BUFFER_SIZE of the listener. */
  bufferSize?: number | undefined;
  /** hvsock: Hyper-V socket options of the listener and its connections. */
  hvsock?: HvsockOptions | undefined;
  /** Start without keeping the process alive (the server was unref()'d before listen). */
  unrefed: boolean;
  /** Unix and hybrid vsock: remove a socket file nothing answers on before binding. */
  removeStaleSocket?: boolean;
}

export interface Listener {
  /** The bound address (for `vsock:any:any`, with the port the kernel chose). */
  readonly local: VmAddress;
  /** The addon that made the listener's sockets (accepted sockets use it too). */
  readonly binding: NativeBinding | Win32Binding;
  /** Closes a connection the server does not want (maxConnections). */
  discard(fd: number): void;
  /** Stops accepting and closes the listening socket (and, for Unix sockets, removes the file). */
  close(): void;
  ref(): void;
  unref(): void;
}

/** After EMFILE and the like, accepting pauses this long instead of spinning. */
export const ACCEPT_BACKOFF_MS = 100;
