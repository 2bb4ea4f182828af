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
import { ConnectionDrain, markServed } from './drain';

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
   * Stops accepting; lets requests in progress finish for up to `graceMs` (0 to 2147483647, or
   * Infinity for no limit), their responses carrying `Connection: close` (HTTP/2: a GOAWAY);
   * idle keep-alive connections close at once. Then destroys what is left. Resolves when every
   * connection of this listener is closed.
   */
  close(graceMs?: number): Promise<void>;
}

/** The longest wait a Node timer holds; setTimeout fires after 1 ms beyond it. */
const MAX_TIMER_MS = 0x7fffffff;

/** Open serve() listeners per server (a server can be served on several targets at once). */
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
    markServed(socket);
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
  const drain = new ConnectionDrain(server, sockets);
  try {
    await vmServer.listen(target, options.backlog === undefined ? undefined : { backlog: options.backlog });
  } catch (error) {
    drain.detach();
    throw error;
  }
  startConnectionChecks(server);
  let closing: Promise<void> | undefined;
  return {
    address: () => vmServer.address(),
    get refusedConnections() {
      return admission.refusedConnections;
    },
    close(graceMs = 5000) {
      try {
        checkGraceMs(graceMs);
      } catch (error) {
        return Promise.reject(error as Error);
      }
      closing ??= closeListener(server, vmServer, sockets, drain, graceMs);
      return closing;
    },
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
  // A timer cannot wait longer: it would fire after 1 ms and refuse every connection.
  if (options.authorizeTimeoutMs !== undefined && options.authorizeTimeoutMs > MAX_TIMER_MS) {
    const message = `serve(): options.authorizeTimeoutMs must be at most ${MAX_TIMER_MS} ms (what a Node timer holds); got ${String(options.authorizeTimeoutMs)}`;
    throw Object.assign(new RangeError(message), { code: 'ERR_OUT_OF_RANGE' });
  }
}

function checkGraceMs(value: unknown): void {
  if (typeof value !== 'number') {
    throw Object.assign(new TypeError(`close(): graceMs must be a number of milliseconds (or Infinity); got ${typeof value}`), { code: 'ERR_INVALID_ARG_TYPE' });
  }
  if (Number.isNaN(value) || value < 0 || (value > MAX_TIMER_MS && value !== Infinity)) {
    const range = `from 0 to ${MAX_TIMER_MS} ms, or Infinity to wait for every request however long`;
    throw Object.assign(new RangeError(`close(): graceMs must be ${range}; got ${String(value)}`), { code: 'ERR_OUT_OF_RANGE' });
  }
}

/**
 * node:http starts its headersTimeout / requestTimeout checks when the server emits 'listening'
 * (server.listen() does that). A server that only gets sockets from serve() gets it here, once.
 */
function startConnectionChecks(server: net.Server): void {
  const count = served.get(server) ?? 0;
  served.set(server, count + 1);
  if (count === 0 && !server.listening) server.emit('listening');
}

function closeListener(server: net.Server, vmServer: VmServer, sockets: Set<VmSocket>, drain: ConnectionDrain, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer =
      graceMs === Infinity
        ? undefined
        : setTimeout(() => {
            for (const socket of sockets) socket.destroy();
          }, graceMs);
    vmServer.close(() => {
      clearTimeout(timer);
      drain.detach();
      resolve();
    });
    drain.close();
    const others = (served.get(server) ?? 1) - 1;
    if (others > 0) served.set(server, others);
    else served.delete(server);
    // Decided now, not at serve(): the app may have made the server listen on TCP since (or
    // stopped). A server that listens elsewhere, or on other serve() targets, keeps serving there.
    if (others === 0 && !server.listening) server.close(() => undefined);
  });
}
