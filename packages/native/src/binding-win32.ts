/**
 * What the addon exports on Windows (native/win). Calls that complete at once return >= 0 or a
 * negated Winsock / Win32 error (see winsock-errors.ts); overlapped calls return 0 when started,
 * after which their callback runs exactly once on the JS thread, or a negated error (and no
 * callback) when they failed at once. Socket handles are numbers.
 */
import { loadAddon } from './addon-loader';
import { VmError } from './errors';

export interface Win32Binding {
  readonly platform: 'win32';
  /** WSASocketW, overlapped and not inheritable, joined to the completion port. */
  socket(domain: number, type: number, protocol: number): number;
  bind(socket: number, address: Buffer): number;
  listen(socket: number, backlog: number): number;
  getsockname(socket: number): Buffer | number;
  getpeername(socket: number): Buffer | number;
  getsockopt(socket: number, level: number, name: number, out: Buffer): number;
  setsockopt(socket: number, level: number, name: number, value: Buffer): number;
  shutdown(socket: number, how: number): number;
  /** closesocket; pending overlapped calls then complete with -995 (ERROR_OPERATION_ABORTED). */
  close(socket: number): number;
  /** ConnectEx on a bound socket; the callback gets 0 or a negated error. */
  connect(socket: number, address: Buffer, callback: (result: number) => void): number;
  /** AcceptEx into `acceptSocket`; the callback gets 0 and the peer's address bytes, or a negated error. */
  accept(listener: number, acceptSocket: number, callback: (result: number, remote?: Buffer) => void): number;
  /** WSARecv; the callback gets the byte count (0 at the end of the stream) or a negated error. */
  recv(socket: number, buffer: Buffer, offset: number, length: number, callback: (result: number) => void): number;
  /** WSASend of all buffers; the callback gets the byte count or a negated error. */
  send(socket: number, buffers: readonly Buffer[], callback: (result: number) => void): number;
  /** Counted: the process stays alive while more refs than unrefs were taken. */
  ioRef(): void;
  ioUnref(): void;
  /** Subkey names of HKLM\path. */
  regListKeys(path: string): string[] | number;
  regGetString(path: string, valueName: string): string | number;
  /** Creates HKLM\path when missing and sets a REG_SZ value. */
  regSetString(path: string, valueName: string, value: string): number;
  /** Deletes HKLM\parentPath\name with its subtree. */
  regDeleteKey(parentPath: string, name: string): number;
  /** Whether this process runs elevated (an administrator token). */
  isElevated(): boolean | number;
  readonly constants: {
    readonly AF_HYPERV: number;
    readonly HV_PROTOCOL_RAW: number;
    readonly SOCK_STREAM: number;
    readonly SOL_SOCKET: number;
    readonly SO_SNDBUF: number;
    readonly SO_RCVBUF: number;
    readonly SD_RECEIVE: number;
    readonly SD_SEND: number;
    readonly SD_BOTH: number;
    readonly HVSOCKET_CONNECT_TIMEOUT: number;
    readonly HVSOCKET_CONTAINER_PASSTHRU: number;
    readonly HVSOCKET_CONNECTED_SUSPEND: number;
    readonly HVSOCKET_HIGH_VTL: number;
  };
}

/** Whether the addon of this process is the Windows one (loads it; false when it cannot load). */
export function isWin32Addon(): boolean {
  try {
    return loadAddon().platform === 'win32';
  } catch {
    return false;
  }
}

/** The Windows addon, or ERR_VMRPC_UNSUPPORTED_PLATFORM naming `what` and this OS; `advice` says what to do instead. */
export function win32Binding(what: string, advice?: string): Win32Binding {
  let binding;
  try {
    binding = loadAddon();
  } catch (error) {
    // Elsewhere the missing feature is the news, not the missing addon.
    if (process.platform !== 'win32') throw notOnWindows(what, advice);
    throw error;
  }
  if (binding.platform !== 'win32') throw notOnWindows(what, advice);
  return binding as Win32Binding;
}

/** The error of a Windows-only feature used elsewhere. */
export function notOnWindows(what: string, advice?: string): VmError {
  return new VmError(
    'ERR_VMRPC_UNSUPPORTED_PLATFORM',
    `${what}: not supported on ${process.platform} (Windows only)${advice === undefined ? '' : `; ${advice}`}`,
  );
}
