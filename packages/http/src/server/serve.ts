/**
 * Serving an existing node:http, node:https or node:http2 server (and so Express, Fastify, Koa,
 * Connect routers, `ws`) on a VM socket listener: accepted connections pass admission (per-peer
 * limit, bounded authorize) before any byte is read, then are handed to the server with
 * `server.emit('connection', socket)`, the documented way to give a server a socket it did not
 * accept itself. The server's own timeouts (headersTimeout, requestTimeout, keepAliveTimeout,
 * TLS handshakeTimeout) apply as on TCP.
 */
import type * as net from 'node:net';
import { createServer, type DataPathOption, type VmAddress, type VmServer, type VmSocket } from '@vmrpc/native';
import { admitConnections, type AdmissionOptions as TransportAdmission } from '@vmrpc/transport/admission';

/**
 * Who may connect and how many at once: the admission of transport's listen(), with its options
 * and defaults (`authorize` bounded by `authorizeTimeoutMs` 5000 ms, `maxConnectionsPerPeer` 64,
 * or a `peers` counter shared with other listeners).
 */
export type AdmissionOptions = Pick<TransportAdmission, 'authorize' | 'authorizeTimeoutMs' | 'maxConnectionsPerPeer' | 'peers'>;

/** Options of {@link serve}: admission (as transport's listen()) and how sockets are accepted. */
export interface ServeOptions extends AdmissionOptions {
  /** Most connections open at once on this listener; more are closed on arrival. Default: no limit. */
  maxConnections?: number;
  /** Data path of accepted connections (`auto` by default: native handles where available). */
  dataPath?: DataPathOption;
  /** listen(2) backlog. Default 511. */
  backlog?: number;
}

/** An HTTP server's VM socket listener (what {@link serve} resolves with). */
export interface VmHttpListener {
  /** The bound address (for `vsock:any:any`, with the port the kernel chose). */
  address(): VmAddress | null;
  /** Connections refused so far: by `authorize`, the per-peer limit or maxConnections. */
  readonly refusedConnections: number;
  /**
   * Stops accepting; lets requests in progress finish for up to `graceMs` (idle keep-alive
   * connections close at once), then destroys what is left. Resolves when every connection is closed.
   */
  close(graceMs?: number): Promise<void>;
}

/** Open serve() listeners per server that serve() told it was listening (see startConnectionChecks). */
const served = new WeakMap<net.Server, number>();

/**
 * Serves `server` (an http.Server, https.Server, http2 server, or any net.Server that takes
 * sockets through 'connection') on the VM socket `target`, e.g. `vsock:any:8080`.
 */
export async function serve(server: net.Server, target: string | VmAddress, options: ServeOptions = {}): Promise<VmHttpListener> {
  if (server === null || typeof server !== 'object' || typeof (server as { emit?: unknown }).emit !== 'function') {
    throw new TypeError('serve(): `server` must be an http.Server, https.Server or http2 server (e.g. http.createServer(app))');
  }
  checkOptions(options);
  const sockets = new Set<VmSocket>();
  const vmServer: VmServer = createServer({ dataPath: options.dataPath ?? 'auto', pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const { authorize, authorizeTimeoutMs, maxConnectionsPerPeer, peers } = options;
  const admission = admitConnections(vmServer, { authorize, authorizeTimeoutMs, maxConnectionsPerPeer, peers }, ({ socket }) => {
    server.emit('connection', socket);
    // Accepted paused so that nothing was read before admission; the server's listeners are
    // attached now, so the bytes have somewhere to go.
    socket.resume();
  });
  if (options.maxConnections !== undefined) vmServer.maxConnections = options.maxConnections;
  await vmServer.listen(target, options.backlog === undefined ? undefined : { backlog: options.backlog });
  startConnectionChecks(server);
  return {
    address: () => vmServer.address(),
    get refusedConnections() {
      return admission.refusedConnections;
    },
    close: (graceMs = 5000) => closeListener(server, vmServer, sockets, graceMs),
  };
}

function checkOptions(options: ServeOptions): void {
  if (options.authorize !== undefined && typeof options.authorize !== 'function') {
    throw new TypeError(`serve(): options.authorize must be a function (peer, socket) => boolean | Promise<boolean>; got ${typeof options.authorize}`);
  }
  for (const name of ['maxConnections', 'maxConnectionsPerPeer', 'authorizeTimeoutMs'] as const) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value > 0)) {
      throw new RangeError(`serve(): options.${name} must be a positive number; got ${String(value)}`);
    }
  }
}

/**
 * node:http starts its headersTimeout / requestTimeout checks when the server emits 'listening'
 * (server.listen() does that). A server that only gets sockets from serve() emits it here, once.
 */
function startConnectionChecks(server: net.Server): void {
  const count = served.get(server);
  if (count === undefined && server.listening) return;
  served.set(server, (count ?? 0) + 1);
  if (count === undefined) server.emit('listening');
}

function closeListener(server: net.Server, vmServer: VmServer, sockets: Set<VmSocket>, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, graceMs);
    vmServer.close(() => {
      clearTimeout(timer);
      resolve();
    });
    // Idle keep-alive connections close now, busy ones after their response (node:http), and
    // HTTP/2 sessions get a GOAWAY (node:http2). A server also listening elsewhere keeps doing so.
    const count = served.get(server);
    if (count === 1) {
      served.delete(server);
      server.close(() => undefined);
    } else {
      if (count !== undefined) served.set(server, count - 1);
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    }
  });
}
