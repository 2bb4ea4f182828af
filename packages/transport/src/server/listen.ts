/**
 * Serving a stock grpc-js Server over VM sockets: accept with @vmrpc/native, check the peer,
 * then hand the connection to the server through Server#createConnectionInjector. The peer
 * is decided by the kernel (vsock CID and port, Hyper-V VM id, the VMM socket of a hybrid vsock
 * guest), and `authorize` sees it before any HTTP/2 byte is read. The checks are the admission
 * steps of admission.ts, which other listeners compose too.
 */
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import { admitConnections, grpcHandshake, type ConnectionAuthorizer } from './admission';
import { injectConnection } from './inject';
import { createServer, type DataPathOption, type VmAddress, type VmServer } from '@vmrpc/native';

/** Options of listen(): who may connect, how many at once, and how accepted sockets are set up. */
export interface ListenOptions {
  /** Server credentials; insecure by default, createSsl() for TLS over the VM socket. */
  credentials?: ServerCredentials;
  /**
   * Decides whether a peer may connect, before any byte is read. `peer` is the kernel's view of
   * it: a vsock CID and port, a Hyper-V VM id, the VMM socket of a hybrid vsock guest, or for a
   * Unix client its credentials (`{ family: 'unix', path, pid, uid, gid }`). A false result, a
   * throw or a timeout refuses the connection.
   */
  authorize?: ConnectionAuthorizer;
  /** How long `authorize` may take before the connection is refused. Default 5000 ms. */
  authorizeTimeoutMs?: number;
  /** Most connections open at once; more are closed on arrival. Default: no limit. */
  maxConnections?: number;
  /**
   * Most connections open at once from one peer (one VM: a vsock CID, a Hyper-V VM id, a hybrid
   * vsock VMM socket; every Unix client of the listener counts as one peer). More are closed on
   * arrival, so one guest cannot use up the host's descriptors. Default 64.
   */
  maxConnectionsPerPeer?: number;
  /**
   * How long a new connection may take to send the HTTP/2 client preface (with TLS: to start its
   * handshake), after `authorize`. Silent or non-HTTP/2 peers are closed. Default 10000 ms.
   */
  handshakeTimeoutMs?: number;
  /** Data path for accepted connections. */
  dataPath?: DataPathOption;
}

/** A grpc-js Server listening on one VM socket target (what listen() resolves with). */
export interface VmGrpcListener {
  /** The bound address (for `vsock:any:any`, with the port the kernel chose). */
  address(): VmAddress | null;
  /** Connections refused so far: by `authorize`, a connection limit, or a missing or wrong HTTP/2 preface. */
  readonly refusedConnections: number;
  /**
   * Stops accepting, lets calls in progress finish for up to `graceMs`, then closes what is left.
   * Resolves when every connection is closed.
   */
  close(graceMs?: number): Promise<void>;
}

/** Accepts VM socket connections on `target` and serves them with `server`. */
export async function listen(server: Server, target: string | VmAddress, options: ListenOptions = {}): Promise<VmGrpcListener> {
  const vmServer: VmServer = createServer({ dataPath: options.dataPath ?? 'auto', pauseOnConnect: true });
  if (options.maxConnections !== undefined) vmServer.maxConnections = options.maxConnections;
  // Admission checks its options first: an out-of-range one throws before grpc-js hears of us.
  const admission = admitConnections(
    vmServer,
    {
      authorize: options.authorize,
      authorizeTimeoutMs: options.authorizeTimeoutMs,
      maxConnectionsPerPeer: options.maxConnectionsPerPeer ?? 64,
      handshake: grpcHandshake(options.credentials?._isSecure() === true),
      handshakeTimeoutMs: options.handshakeTimeoutMs,
    },
    // Still paused, with the preface put back: node:http2 reads it from there (no resume(): see serverSocket).
    ({ socket, peer }) => injectConnection(injector, socket, peer),
  );
  const injector = server.createConnectionInjector(options.credentials ?? ServerCredentials.createInsecure());
  await vmServer.listen(target);
  return {
    address: () => vmServer.address(),
    get refusedConnections() {
      return admission.refusedConnections;
    },
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => injector.destroy(), graceMs);
        timer.unref();
        vmServer.close(() => {
          clearTimeout(timer);
          resolve();
        });
        injector.drain(graceMs);
      }),
  };
}
