/**
 * Handing a VM socket to a grpc-js server with its peer visible. grpc-js reports a call's peer
 * from `session.socket.remoteAddress`. node:http2 runs natively on sockets with a native
 * stream handle (our native-handle data path) and wraps any other Duplex in its internal
 * JSStreamSocket, whose remoteAddress is always undefined, so the peer read 'unknown'. Here the
 * portable socket is wrapped beforehand in that same class (taken once from a throwaway
 * session, node:http2 exposes it as `session.socket.constructor`), and the peer is set on the
 * wrapper, which node:http2 then uses as it is.
 */
import * as http2 from 'node:http2';
import { PassThrough, type Duplex } from 'node:stream';

type StreamSocketClass = new (stream: Duplex) => Duplex;
let streamSocketClass: StreamSocketClass | null | undefined;

function nodeStreamSocketClass(): StreamSocketClass | null {
  if (streamSocketClass !== undefined) return streamSocketClass;
  try {
    const session = http2.connect('http://vmrpc.invalid', { createConnection: () => new PassThrough() });
    const candidate = (session.socket as unknown as { constructor?: unknown }).constructor;
    session.destroy();
    streamSocketClass = typeof candidate === 'function' ? (candidate as StreamSocketClass) : null;
  } catch {
    streamSocketClass = null;
  }
  return streamSocketClass;
}

function hasNativeStream(socket: Duplex): boolean {
  const handle = (socket as { _handle?: { isStreamBase?: boolean } | null })._handle;
  return handle?.isStreamBase === true;
}

/**
 * Makes grpc-js report `peer` for calls on `socket` (grpc-js formats `${remoteAddress}:${remotePort}`
 * when a port is set, so the port is hidden). Returns the socket to inject: `socket` itself, or
 * the wrapper node:http2 would have made. A socket accepted paused must be resumed first, but
 * not one with bytes put back by unshift(): resuming would emit them before HTTP/2 reads them
 * (such a socket is reading already).
 */
export function serverSocket(socket: Duplex, peer: string): Duplex {
  let target = socket;
  if (!hasNativeStream(socket)) {
    const StreamSocket = nodeStreamSocketClass();
    if (StreamSocket !== null) target = new StreamSocket(socket);
  }
  Object.defineProperty(target, 'remoteAddress', { value: peer, configurable: true });
  Object.defineProperty(target, 'remotePort', { value: undefined, configurable: true });
  return target;
}
