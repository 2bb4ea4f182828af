/**
 * The Linux addon's shape, and the functions that hand it out (addon-loader.ts loads it;
 * binding-win32.ts is the Windows addon's shape).
 */
import { loadAddon } from './addon-loader';
import { VmError } from './errors';

/** Readiness handle of one socket on Node's event loop (uv_poll). */
export interface NativePoller {
  /** Sets the events of interest (mask of pollEvents); 0 stops. Returns a libuv status. */
  start(events: number): number;
  stop(): void;
  ref(): void;
  unref(): void;
  /** Releases the poll handle; the fd stays open (it belongs to the caller). */
  close(): void;
}

/**
 * The sender thread of one seqpacket socket in blocking mode (not libuv's pool). It starts with
 * the first send and ends at close(). Every accepted message gets exactly one `onSent`, in order:
 * its byte count or a negative code (-ECANCELED when close() dropped it unsent).
 */
export interface NativeSeqpacketSender {
  /** Queues one message: 0, or a negative code when no thread could be started (no `onSent` then). */
  send(buffer: Buffer): number;
  /**
   * Ends the thread. True: the fd may be closed now. False: a send was in progress and is woken
   * by shutting the socket down; keep the fd open until every accepted message had its `onSent`.
   */
  close(): boolean;
}

/** What the addon exports on Linux. Functions return >= 0 or a negative libuv error code. */
export interface NativeBinding {
  readonly platform: 'linux';
  socket(domain: number, type: number): number;
  bind(fd: number, address: Buffer): number;
  listen(fd: number, backlog: number): number;
  connect(fd: number, address: Buffer): number;
  accept(fd: number): number;
  getsockname(fd: number): Buffer | number;
  getpeername(fd: number): Buffer | number;
  getsockopt(fd: number, level: number, name: number, out: Buffer): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer): number;
  socketError(fd: number): number;
  read(fd: number, buffer: Buffer, offset: number, length: number): number;
  peek(fd: number, buffer: Buffer, offset: number, length: number): number;
  writev(fd: number, buffers: readonly Buffer[]): number;
  recvMessage(fd: number, buffer: Buffer): number;
  sendMessage(fd: number, buffer: Buffer): number;
  /** Whole-message sends of one blocking vsock seqpacket socket on a thread of its own (seqpacket_sender.cc). */
  readonly SeqpacketSender: new (fd: number, onSent: (result: number) => void) => NativeSeqpacketSender;
  setBlocking(fd: number, blocking: boolean): number;
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  localCid(devicePath?: string): number;
  readonly Poller: new (fd: number, onEvent: (status: number, events: number) => void) => NativePoller;
  readonly pollEvents: { readonly READABLE: number; readonly WRITABLE: number; readonly DISCONNECT: number };
  readonly constants: {
    readonly AF_UNIX: number;
    readonly AF_VSOCK: number;
    readonly SOCK_STREAM: number;
    readonly SOCK_SEQPACKET: number;
    readonly SOL_SOCKET: number;
    readonly SO_SNDBUF: number;
    readonly SO_RCVBUF: number;
    readonly SO_PEERCRED: number;
    readonly SHUT_RD: number;
    readonly SHUT_WR: number;
    readonly SHUT_RDWR: number;
  };
}

/** The addon typed with its Linux exports (elsewhere they are missing: see socketBinding()). */
export function nativeBinding(): NativeBinding {
  return loadAddon() as NativeBinding;
}

/** The addon for socket work on this OS, or an ERR_VMRPC_UNSUPPORTED_PLATFORM error naming `what`. */
export function socketBinding(what: string): NativeBinding {
  const binding = loadAddon();
  if (binding.platform !== 'linux') {
    throw new VmError(
      'ERR_VMRPC_UNSUPPORTED_PLATFORM',
      `${what} is not supported on ${process.platform} (vsock and hybrid vsock need Linux; Hyper-V sockets need Windows)`,
    );
  }
  return binding as NativeBinding;
}
