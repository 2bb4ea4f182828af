/**
 * Serving a stock grpc-js Server over VM sockets: accept with @vmrpc/native, check the peer,
 * then hand the connection to the server through Server#createConnectionInjector. The peer
 * is decided by the kernel (vsock CID and port, Hyper-V VM id, the VMM socket of a hybrid vsock
 * guest), and `authorize` sees it before any HTTP/2 byte is read.
 */
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import { HTTP2_CLIENT_PREFACE, TLS_HANDSHAKE_RECORD, awaitPreface } from './client-preface';
import { PeerCounter, peerIdentity } from './peer-identity';
import { injectConnection } from './inject';
import { createServer, formatTarget, type DataPathOption, type VmAddress, type VmServer, type VmSocket } from '@vmrpc/native';

/** Options of listen(): who may connect, how many at once, and how accepted sockets are set up. */
export interface ListenOptions {
  /** Server credentials; insecure by default, createSsl() for TLS over the VM socket. */
  credentials?: ServerCredentials;
  /**
   * Decides whether a peer may connect, before any byte is read. `peer` is undefined for
   * unnamed peers (Unix clients). A false result or a throw refuses the connection.
   */
  authorize?: (peer: VmAddress | undefined, socket: VmSocket) => boolean | Promise<boolean>;
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
  const injector = server.createConnectionInjector(options.credentials ?? ServerCredentials.createInsecure());
  const authorizeTimeoutMs = options.authorizeTimeoutMs ?? 5000;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
  const perPeer = new PeerCounter(options.maxConnectionsPerPeer ?? 64);
  const preface = options.credentials?._isSecure() === true ? TLS_HANDSHAKE_RECORD : HTTP2_CLIENT_PREFACE;
  let refused = 0;
  const vmServer: VmServer = createServer({ dataPath: options.dataPath ?? 'auto', pauseOnConnect: true }, (socket) => {
    socket.on('error', () => undefined);
    // An unnamed Unix peer (path '', credentials only) counts as its listener, as before it had an address.
    const remote = socket.remoteVmAddress;
    const address = remote === undefined || (remote.family === 'unix' && remote.path === '') ? socket.localVmAddress : remote;
    const identity = address === undefined ? 'unknown' : peerIdentity(address);
    if (!perPeer.take(identity)) {
      refused++;
      socket.destroy();
      return;
    }
    socket.once('close', () => perPeer.release(identity));
    void admit(socket).then((ok) => {
      if (!ok || socket.destroyed) {
        refused++;
        socket.destroy();
        return;
      }
      // Accepted paused, so nothing was read before authorize(); the preface read above is put
      // back in the stream, which node:http2 reads from there on (no resume(): see serverSocket).
      const peer = socket.remoteVmAddress === undefined ? 'unix:unnamed-peer' : formatTarget(socket.remoteVmAddress);
      injectConnection(injector, socket, peer);
    });
  });
  vmServer.on('drop', () => refused++);
  if (options.maxConnections !== undefined) vmServer.maxConnections = options.maxConnections;

  async function admit(socket: VmSocket): Promise<boolean> {
    if (!(await authorized(socket))) return false;
    try {
      await awaitPreface(socket, preface, handshakeTimeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  async function authorized(socket: VmSocket): Promise<boolean> {
    if (options.authorize === undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), authorizeTimeoutMs);
      });
      return (await Promise.race([Promise.resolve(options.authorize(socket.remoteVmAddress, socket)), timeout])) === true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  await vmServer.listen(target);
  return {
    address: () => vmServer.address(),
    get refusedConnections() {
      return refused;
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
