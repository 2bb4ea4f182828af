/**
 * Servers whose connections are SOCK_SEQPACKET sockets (vsock and Unix): the stream server of
 * server.ts with each accepted fd wrapped in a {@link SeqpacketSocket}.
 */
import type { NativeBinding } from './binding';
import type { Win32Binding } from './binding-win32';
import type { ConnectedFd } from './connect-attempt';
import { checkPositiveInteger, optionalObject } from './options';
import { DEFAULT_MAX_MESSAGE_SIZE, SeqpacketSocket } from './seqpacket-socket';
import { VmServer } from './server';

/** Options of {@link createSeqpacketServer}. */
export interface SeqpacketServerOptions {
  /** Largest message accepted sockets receive, in bytes. Default 256 KiB. */
  maxMessageSize?: number;
  /** vsock: SO_VM_SOCKETS_BUFFER_SIZE of the listener, which accepted sockets inherit. */
  bufferSize?: number;
}

class SeqpacketServer extends VmServer<SeqpacketSocket> {
  protected override readonly socketType = 'seqpacket';
  constructor(
    private readonly maxMessageSize: number,
    bufferSize: number | undefined,
    onConnection?: (socket: SeqpacketSocket) => void,
  ) {
    super(bufferSize === undefined ? {} : { bufferSize }, onConnection);
  }

  // Seqpacket listeners exist on Linux only (listener-win32.ts refuses them): the binding is Linux's.
  protected override acceptedSocket(binding: NativeBinding | Win32Binding, connected: ConnectedFd): SeqpacketSocket {
    return new SeqpacketSocket(binding as NativeBinding, connected, this.maxMessageSize);
  }
}

/** Creates a server whose connections are {@link SeqpacketSocket}s. */
export function createSeqpacketServer(options?: SeqpacketServerOptions, onConnection?: (socket: SeqpacketSocket) => void): VmServer<SeqpacketSocket> {
  const opts = optionalObject('options', options);
  const maxMessageSize = checkPositiveInteger('options.maxMessageSize', opts.maxMessageSize) ?? DEFAULT_MAX_MESSAGE_SIZE;
  return new SeqpacketServer(maxMessageSize, checkPositiveInteger('options.bufferSize', opts.bufferSize), onConnection);
}
