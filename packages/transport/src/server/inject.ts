/**
 * Handing an accepted connection to a grpc-js server (through Server#createConnectionInjector),
 * with its peer visible (serverSocket()) and one upstream crash guarded against.
 *
 * The crash: node:http2 emits a new stream on the next tick; a peer can make the stream be
 * destroyed before that (a HEADERS frame and, in the same bytes, something that resets the
 * stream or the session). grpc-js then answers the stream (an unknown method, a wrong content
 * type) with ServerHttp2Stream#respond(), which throws ERR_HTTP2_INVALID_STREAM on a destroyed
 * stream, outside any try: an uncaught exception that ends the process. One hostile guest could
 * take the host down with one write. So the http2 server behind each injector gets a 'stream'
 * listener ahead of grpc-js's that makes respond() a no-op on streams already destroyed. Node
 * exposes that server only on the sockets it serves (`socket[Symbol(server)]`), which is where
 * it is taken from; if it ever is not there, nothing is changed.
 */
import type { Duplex } from 'node:stream';
import type { Http2Stream } from 'node:http2';
import type { Server } from '@grpc/grpc-js';
import { serverSocket } from './server-socket';

/** What Server#createConnectionInjector returns. */
export type ConnectionInjector = ReturnType<Server['createConnectionInjector']>;

interface StreamEmitter {
  prependListener(event: 'stream', listener: (stream: Http2Stream) => void): unknown;
}

const guardedServers = new WeakSet<object>();

function http2ServerOf(socket: object): StreamEmitter | undefined {
  const symbol = Object.getOwnPropertySymbols(socket).find((candidate) => candidate.description === 'server');
  const server: unknown = symbol === undefined ? undefined : (socket as Record<symbol, unknown>)[symbol];
  return typeof server === 'object' && server !== null && typeof (server as Partial<StreamEmitter>).prependListener === 'function' ? (server as StreamEmitter) : undefined;
}

function guardDestroyedStreams(injected: object): void {
  const server = http2ServerOf(injected);
  if (server === undefined || guardedServers.has(server)) return;
  guardedServers.add(server);
  server.prependListener('stream', (stream) => {
    if (!stream.destroyed) return;
    Object.defineProperty(stream, 'respond', { value: () => undefined, configurable: true });
  });
}

/**
 * Serves `socket` with the grpc-js server behind `injector`, reporting `peer` as the calls' peer.
 * The socket must be flowing or hold bytes already read (see serverSocket()).
 */
export function injectConnection(injector: ConnectionInjector, socket: Duplex, peer: string): void {
  const injected = serverSocket(socket, peer);
  injector.injectConnection(injected as never);
  guardDestroyedStreams(injected);
}
