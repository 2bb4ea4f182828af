/**
 * Admission: what every VM listener of vmrpc does with an accepted connection before anything
 * serves it, in one place and in one order:
 *
 *   1. count it against its peer's connection limit (PeerCounter, shareable among listeners);
 *   2. ask `authorize` about the peer, bounded by a timeout (a throw or a timeout refuses);
 *   3. run the listener's handshake (e.g. "the HTTP/2 client preface within 10 s"), bounded too;
 *   4. hand the socket, still paused and with every byte it sent put back, to the consumer.
 *
 * listen() (grpc-js servers), the agent layer's link listener and any `net.Server`-like consumer
 * (an http.Server, for one) compose the same steps through admitConnections().
 */
import { formatTarget, type VmAddress, type VmServer, type VmSocket } from '@vmrpc/native';
import { HTTP2_CLIENT_PREFACE, TLS_HANDSHAKE_RECORD, awaitPreface } from './client-preface';
import { PeerCounter, peerIdentity } from './peer-identity';
import { checkTimerMs } from '../protocol/deadline';

/**
 * Decides whether a peer may connect, before any byte is read. `peer` is the kernel's view of it
 * (for a Unix client its credentials: `{ family: 'unix', path, pid, uid, gid }`); undefined only
 * when the kernel reports no address.
 */
export type ConnectionAuthorizer = (peer: VmAddress | undefined, socket: VmSocket) => boolean | Promise<boolean>;

/** Reads what a connection must open with, within `timeoutMs`; a rejection refuses the connection. */
export type Handshake<T> = (socket: VmSocket, timeoutMs: number) => Promise<T>;

/** A connection that passed admission. */
export interface AdmittedConnection<T = void> {
  /** Paused; bytes the handshake read are back in its read buffer. Has an 'error' listener (errors close it). */
  readonly socket: VmSocket;
  /** The address it is counted by (countedAddress(): the listener's own for unnamed Unix peers). */
  readonly address: VmAddress | undefined;
  /** Which VM it comes from (peerIdentity()): what per-peer limits count. */
  readonly identity: string;
  /** The peer string grpc-js and logs use: the address as a target (`vsock:3:1025`). */
  readonly peer: string;
  /** What the handshake returned. */
  readonly opening: T;
}

/** Options of admitConnections(). */
export interface AdmissionOptions<T = void> {
  /** See ConnectionAuthorizer. Default: every peer. */
  authorize?: ConnectionAuthorizer;
  /** How long `authorize` may take. Default 5000 ms. */
  authorizeTimeoutMs?: number;
  /** Most connections open at once from one peer. Default 64; ignored when `peers` is given. */
  maxConnectionsPerPeer?: number;
  /** A counter shared with other listeners (or dialers), so that the limit covers them all. */
  peers?: PeerCounter;
  /** The handshake step (see grpcHandshake()). Default: none (the opening is undefined). */
  handshake?: Handshake<T>;
  /** How long the handshake may take. Default 10000 ms. */
  handshakeTimeoutMs?: number;
  /** Closes a refused connection; default destroy(). A protocol may answer with a reason first. */
  refuse?: (socket: VmSocket, reason: string) => void;
  /** Told of every refusal, with the reason (for logs and counters). */
  onRefused?: (address: VmAddress | undefined, reason: string) => void;
}

/** A running admission (what admitConnections() returns). */
export interface Admission {
  /** Connections refused so far: limits (the server's maxConnections too), authorize, handshake. */
  readonly refusedConnections: number;
  /** Stops admitting: later connections of the server are no longer handled here. */
  stop(): void;
}

/**
 * Runs every connection `server` accepts through admission and hands the admitted ones to
 * `onAdmitted`. Create the server with `pauseOnConnect: true`, so that nothing is read before
 * `authorize` has decided.
 */
export function admitConnections<T = void>(server: VmServer, options: AdmissionOptions<T>, onAdmitted: (connection: AdmittedConnection<T>) => void): Admission {
  const peers = options.peers ?? new PeerCounter(options.maxConnectionsPerPeer ?? 64);
  const authorizeTimeoutMs = options.authorizeTimeoutMs === undefined ? 5000 : checkTimerMs('options.authorizeTimeoutMs', options.authorizeTimeoutMs);
  const handshakeTimeoutMs = options.handshakeTimeoutMs === undefined ? 10_000 : checkTimerMs('options.handshakeTimeoutMs', options.handshakeTimeoutMs);
  let refused = 0;
  const refuse = (socket: VmSocket | undefined, address: VmAddress | undefined, reason: string): void => {
    refused++;
    options.onRefused?.(address, reason);
    if (socket === undefined) return;
    if (options.refuse === undefined || socket.destroyed) socket.destroy();
    else options.refuse(socket, reason);
  };

  async function admit(socket: VmSocket): Promise<void> {
    // An error closes the socket, which is all admission needs to know; consumers add their own listeners.
    socket.on('error', () => undefined);
    socket.pause();
    const address = countedAddress(socket);
    const identity = address === undefined ? 'unknown' : peerIdentity(address);
    if (!peers.track(identity, socket)) return refuse(socket, address, `too many connections from ${identity}`);
    const authorize = options.authorize;
    if (authorize !== undefined && !(await authorizeWithin(() => authorize(socket.remoteVmAddress, socket), authorizeTimeoutMs))) {
      return refuse(socket, address, `peer ${identity} not authorized`);
    }
    let opening: T;
    try {
      opening = options.handshake === undefined ? (undefined as T) : await options.handshake(socket, handshakeTimeoutMs);
    } catch (error) {
      return refuse(socket, address, (error as Error).message);
    }
    if (socket.destroyed) return refuse(undefined, address, 'the peer closed the connection during admission');
    const peer = socket.remoteVmAddress === undefined ? 'unix:unnamed-peer' : formatTarget(socket.remoteVmAddress);
    onAdmitted({ socket, address, identity, peer, opening });
  }

  const onConnection = (socket: VmSocket): void => void admit(socket);
  const onDrop = (address?: VmAddress): void => refuse(undefined, address, 'the listener is at maxConnections');
  server.on('connection', onConnection);
  server.on('drop', onDrop);
  return {
    get refusedConnections() {
      return refused;
    },
    stop() {
      server.removeListener('connection', onConnection);
      server.removeListener('drop', onDrop);
    },
  };
}

/**
 * The address a connection is counted and identified by: the peer's, except for an unnamed Unix
 * client (credentials only: every local process looks alike by address), which counts as the
 * listener it came through, so that each Unix listener is one peer.
 */
export function countedAddress(socket: VmSocket): VmAddress | undefined {
  const remote = socket.remoteVmAddress;
  if (remote === undefined || (remote.family === 'unix' && remote.path === '' && remote.abstract !== true)) return socket.localVmAddress;
  return remote;
}

/**
 * `decide()`, bounded: true only when it answers true within `timeoutMs`. A throw, a rejection
 * or a timeout is a refusal (fail closed); `onError` hears why, for logs.
 */
export async function authorizeWithin(decide: () => boolean | Promise<boolean>, timeoutMs: number, onError?: (error: Error) => void): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`authorize did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    return (await Promise.race([Promise.resolve().then(decide), timeout])) === true;
  } catch (error) {
    onError?.(error as Error);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** The handshake of a gRPC server: the HTTP/2 client preface, or with TLS a handshake record. */
export function grpcHandshake(secure = false): Handshake<void> {
  return (socket, timeoutMs) => awaitPreface(socket, secure ? TLS_HANDSHAKE_RECORD : HTTP2_CLIENT_PREFACE, timeoutMs);
}
