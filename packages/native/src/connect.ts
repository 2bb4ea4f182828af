/**
 * Opening connections: `connect()` (a promise, for async code) and `createConnection()` (a
 * socket returned at once that emits 'connect', as net.createConnection).
 */
import type { VmAddress } from './addresses';
import { nativeBinding } from './binding';
import type { ConnectAttempt } from './connect-attempt';
import { resolveDataPath, type DataPathOption } from './data-path';
import { PendingConnect } from './dial';
import { HvsockConnect } from './dial-win32';
import { checkHvsockOptions, type HvsockOptions } from './hvsock-options';
import { checkBoolean, checkFunction, checkPositiveInteger, checkSignal, checkTimeout, optionalObject } from './options';
import { createDataPathSocket } from './socket-factory';
import { toAddress } from './target';
import type { VmSocket } from './vm-socket';

/** Options of {@link connect} and {@link createConnection}. */
export interface ConnectOptions {
  /**
   * Milliseconds to wait for the connection (for hybrid vsock: including the VMM's OK) before
   * failing with ETIMEDOUT. Default 10000. Infinity leaves the bound to the kernel.
   */
  connectTimeout?: number;
  /** Aborts the connect (AbortError, code ABORT_ERR); after connecting, has no effect. */
  signal?: AbortSignal;
  /** `auto` (default), `native-handle` or `portable`: see {@link DataPath}. */
  dataPath?: DataPathOption;
  /** vsock: set VMADDR_FLAG_TO_HOST, routing to the host even when the CID is a sibling VM. */
  toHost?: boolean;
  /** vsock: SO_VM_SOCKETS_BUFFER_SIZE in bytes. */
  bufferSize?: number;
  /** hvsock (Windows): Hyper-V socket options; HVSOCKET_CONNECT_TIMEOUT is always set. */
  hvsock?: HvsockOptions;
  /** Keep the writable side open after the peer ends (as net.Socket's allowHalfOpen). Default false. */
  allowHalfOpen?: boolean;
}

/** Opens a stream connection to `target` and resolves once connected. */
export async function connect(target: string | VmAddress, options?: ConnectOptions): Promise<VmSocket> {
  const socket = createConnection(target, options);
  return new Promise<VmSocket>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.removeListener('error', onError);
      resolve(socket);
    });
  });
}

/** Returns a socket at once and connects it to `target`; 'connect' or 'error' follows. */
export function createConnection(target: string | VmAddress, options?: ConnectOptions, connectListener?: () => void): VmSocket {
  const address = toAddress(target);
  const opts = checkConnectOptions(options);
  checkFunction('connectListener', connectListener);
  const common = { connectTimeout: opts.connectTimeout, signal: opts.signal };
  const pending: ConnectAttempt =
    address.family === 'hvsock'
      ? new HvsockConnect(address, { ...common, hvsock: opts.hvsock })
      : new PendingConnect(address, { ...common, toHost: opts.toHost ?? false, bufferSize: opts.bufferSize });
  const socket = createDataPathSocket(nativeBinding(), opts.dataPath, opts.allowHalfOpen);
  if (connectListener !== undefined) socket.once('connect', connectListener);
  socket.connectWith(pending);
  return socket;
}

/**
 * Checks connect options as {@link createConnection} does, with the same errors, without
 * connecting: for code that takes the options now and connects later (HTTP agents, dispatchers),
 * so that a bad option fails when it is given, not on every connect.
 */
export function checkConnectOptions(options: ConnectOptions | undefined): ConnectOptions {
  const opts = optionalObject('options', options);
  const checked: ConnectOptions = {
    connectTimeout: checkTimeout('options.connectTimeout', opts.connectTimeout),
    signal: checkSignal('options.signal', opts.signal),
    dataPath: opts.dataPath,
    toHost: checkBoolean('options.toHost', opts.toHost),
    bufferSize: checkPositiveInteger('options.bufferSize', opts.bufferSize),
    hvsock: checkHvsockOptions('options.hvsock', opts.hvsock),
    allowHalfOpen: checkBoolean('options.allowHalfOpen', opts.allowHalfOpen),
  };
  resolveDataPath(opts.dataPath);
  return checked;
}
