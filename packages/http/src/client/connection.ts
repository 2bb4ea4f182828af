/**
 * Opening the VM socket under an HTTP client. HTTP stacks treat their socket as a net.Socket:
 * http.Agent calls setKeepAlive() on pooled sockets, undici calls setNoDelay(). VM sockets have
 * neither TCP keepalive nor Nagle's algorithm, so on the data paths that are not a net.Socket
 * (portable, Windows overlapped) those calls are given no-op bodies here instead of throwing.
 */
import type * as http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { checkConnectOptions, createConnection, type DataPathOption, type HvsockOptions, type VmSocket } from '@vmrpc/native';
import { toVmAddress, type VmTarget } from '../target';

/** How a client opens its VM sockets (the connect options of @vmrpc/native's createConnection). */
export interface VmConnectOptions {
  /**
   * Milliseconds to wait for the connection (for hybrid vsock: including the VMM's OK) before
   * failing with ETIMEDOUT. Default 10000.
   */
  connectTimeout?: number;
  /** `auto` (default), `native-handle` or `portable`: which data path carries the bytes. */
  dataPath?: DataPathOption;
  /** vsock: set VMADDR_FLAG_TO_HOST (route to the host even when the CID is a sibling VM, as in Nitro enclaves). */
  toHost?: boolean;
  /** vsock: SO_VM_SOCKETS_BUFFER_SIZE in bytes. */
  bufferSize?: number;
  /** hvsock (Windows): Hyper-V socket options. */
  hvsock?: HvsockOptions;
}

/** Opens a VM socket to `target` that HTTP clients can use as a net.Socket; 'connect' or 'error' follows. */
export function openVmSocket(target: VmTarget, options: VmConnectOptions = {}, signal?: AbortSignal): VmSocket {
  const socket = createConnection(target, { ...options, signal });
  const netLike = socket as VmSocket & { setKeepAlive?: unknown; setNoDelay?: unknown };
  if (typeof netLike.setKeepAlive !== 'function') netLike.setKeepAlive = () => socket;
  if (typeof netLike.setNoDelay !== 'function') netLike.setNoDelay = () => socket;
  return socket;
}

/** TLS options for a client connection over a VM socket (node:tls's, without where to connect). */
export type VmTlsOptions = Omit<tls.ConnectionOptions, 'socket' | 'host' | 'port' | 'path' | 'lookup'>;

/** Starts TLS on a VM socket; `servername` (SNI, and the name the certificate must match) defaults to `hostname`. */
export function tlsOverVmSocket(socket: VmSocket, hostname: string, options: VmTlsOptions): tls.TLSSocket {
  return tls.connect({ ...options, servername: options.servername ?? hostname, socket });
}

/** A `createConnection` for `http2.connect()` that opens a VM socket to `target` (TLS when the authority is https). */
export function http2Connector(
  target: VmTarget,
  options: VmConnectOptions & { tls?: VmTlsOptions } = {},
): (authority: URL, sessionOptions: http2.SessionOptions) => Duplex {
  // Checked now, so that a malformed target or option fails here and not in every connect.
  const address = toVmAddress(target);
  const { tls: tlsOptions, ...rest } = options;
  const connectOptions = checkConnectOptions(rest);
  return (authority, sessionOptions) => {
    const socket = openVmSocket(address, connectOptions);
    if (authority.protocol !== 'https:') return socket;
    const servername = (sessionOptions as tls.ConnectionOptions).servername ?? authority.hostname;
    return tlsOverVmSocket(socket, servername, { ALPNProtocols: ['h2'], ...tlsOptions, servername });
  };
}
