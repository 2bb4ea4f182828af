/**
 * Closing the connections one serve() listener handed to a server, and only those: the server
 * may also listen elsewhere (TCP), and its other connections are none of this listener's business
 * (server.closeIdleConnections() would close them too).
 *
 * HTTP/1: a keep-alive connection idle between requests is destroyed at once (as node's
 * closeIdleConnections() does); a response in progress, or one that starts later on a connection
 * of this listener, carries `Connection: close` (res.shouldKeepAlive = false) and its connection
 * ends after it, so keep-alive clients do not keep being served. A connection that has made no
 * request yet may be about to, and an upgraded one (WebSocket) belongs to its library: both are
 * left to the grace period. HTTP/2: each session gets a GOAWAY (session.close()), which lets its
 * open streams finish.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2Session } from 'node:http2';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { VmSocket } from '@vmrpc/native';
import { socketLayers } from './peer';

/** Per HTTP/1 connection of this listener: responses in progress, and whether one has ended. */
interface Http1State {
  inProgress: Set<ServerResponse>;
  answered: boolean;
  /** The socket node:http serves on (a TLSSocket over the VM socket for https). */
  socket: Duplex;
}

/** Set on each accepted VM socket: the socket itself (see markServed). */
const SELF = Symbol('vmrpc.servedSocket');

export class ConnectionDrain {
  private readonly http1 = new Map<VmSocket, Http1State>();
  private readonly sessions = new Map<VmSocket, Http2Session>();
  private closing = false;

  constructor(
    private readonly server: net.Server,
    private readonly sockets: ReadonlySet<VmSocket>,
  ) {
    // A 'request' listener switches an http2 server to node's compatibility API (a response
    // object per stream that also answers 'wantTrailers'), so HTTP/1 requests are followed on
    // http.Server and https.Server, and on an http2 server (allowHTTP1) only when it already
    // has a 'request' listener of its own.
    if (isHttp2Server(server) ? server.listenerCount('request') > 0 : isHttp1Server(server)) server.on('request', this.onRequest);
    server.on('session', this.onSession);
  }

  /** Starts closing this listener's connections (see the file comment). */
  close(): void {
    this.closing = true;
    for (const [vmSocket, state] of this.http1) {
      if (state.inProgress.size === 0 && state.answered) vmSocket.destroy();
      for (const res of state.inProgress) if (!res.headersSent) res.shouldKeepAlive = false;
    }
    for (const session of this.sessions.values()) session.close();
  }

  /** Stops following the server's requests and sessions (the listener's connections are all closed). */
  detach(): void {
    this.server.removeListener('request', this.onRequest);
    this.server.removeListener('session', this.onSession);
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    // HTTP/2 requests of an allowHTTP1 server: their session gets the GOAWAY (onSession).
    if (req.httpVersionMajor === 2) return;
    const vmSocket = this.ours(req.socket);
    if (vmSocket === undefined) return;
    let state = this.http1.get(vmSocket);
    if (state === undefined) {
      state = { inProgress: new Set(), answered: false, socket: req.socket };
      this.http1.set(vmSocket, state);
      vmSocket.once('close', () => this.http1.delete(vmSocket));
    }
    const current = state;
    current.inProgress.add(res);
    if (this.closing && !res.headersSent) res.shouldKeepAlive = false;
    res.once('close', () => {
      current.inProgress.delete(res);
      current.answered = true;
      // A response whose headers went out with keep-alive before close(): end its connection now.
      if (this.closing && current.inProgress.size === 0) current.socket.end();
    });
  };

  private readonly onSession = (session: Http2Session): void => {
    const vmSocket = this.ours(session.socket as Duplex);
    if (vmSocket === undefined) return;
    if (this.closing) return void session.close();
    this.sessions.set(vmSocket, session);
    session.once('close', () => this.sessions.delete(vmSocket));
  };

  private ours(socket: Duplex | null | undefined): VmSocket | undefined {
    if (socket === null || socket === undefined) return undefined;
    for (const layer of socketLayers(socket)) {
      // Read through node:http2's socket proxy, which forwards property reads but is not the socket.
      const vmSocket = (layer as { [SELF]?: VmSocket })[SELF];
      if (vmSocket !== undefined && this.sockets.has(vmSocket)) return vmSocket;
    }
    return undefined;
  }
}

/** Marks a socket serve() accepted so that it can be found under the wrappers servers put on it. */
export function markServed(socket: VmSocket): void {
  Object.defineProperty(socket, SELF, { value: socket });
}

/** http2.Http2Server and Http2SecureServer (only they have updateSettings()). */
function isHttp2Server(server: net.Server): boolean {
  return typeof (server as { updateSettings?: unknown }).updateSettings === 'function';
}

function isHttp1Server(server: net.Server): boolean {
  return typeof (server as { closeIdleConnections?: unknown }).closeIdleConnections === 'function';
}
