/**
 * Admission of accepted connections, as @vmrpc/transport's listen() does it: a per-peer count
 * (the peer's identity decided by the kernel) and a bounded `authorize`, both before any byte is
 * read. This is the ONE file of @vmrpc/http that uses @vmrpc/transport, so that the shared
 * admission steps can be wired in here alone once transport exports them.
 */
import type { VmAddress, VmSocket } from '@vmrpc/native';
import { PeerCounter, peerIdentity } from '@vmrpc/transport/internal/server/peer-identity';

/** Who may connect and how many at once; the same options and defaults as transport's listen(). */
export interface AdmissionOptions {
  /**
   * Decides whether a peer may connect, before any byte is read. `peer` is undefined for unnamed
   * peers (Unix clients). A false result, a throw or a rejection refuses the connection.
   */
  authorize?: (peer: VmAddress | undefined, socket: VmSocket) => boolean | Promise<boolean>;
  /** How long `authorize` may take before the connection is refused. Default 5000 ms. */
  authorizeTimeoutMs?: number;
  /**
   * Most connections open at once from one peer (one VM: a vsock CID, a Hyper-V VM id, a hybrid
   * vsock VMM socket; every Unix client of the listener counts as one peer). Default 64.
   */
  maxConnectionsPerPeer?: number;
}

/** Decides, per accepted socket, whether it may go on to the server. */
export class Admission {
  private readonly perPeer: PeerCounter;
  private readonly authorizeTimeoutMs: number;

  constructor(private readonly options: AdmissionOptions) {
    this.perPeer = new PeerCounter(checkLimit(options.maxConnectionsPerPeer, 'maxConnectionsPerPeer', 64));
    this.authorizeTimeoutMs = checkLimit(options.authorizeTimeoutMs, 'authorizeTimeoutMs', 5000);
    if (options.authorize !== undefined && typeof options.authorize !== 'function') {
      throw new TypeError(`serve(): options.authorize must be a function (peer, socket) => boolean | Promise<boolean>; got ${typeof options.authorize}`);
    }
  }

  /** Resolves true when `socket` may be served; counts it against its peer until it closes. */
  async admit(socket: VmSocket): Promise<boolean> {
    const address = socket.remoteVmAddress ?? socket.localVmAddress;
    const identity = address === undefined ? 'unknown' : peerIdentity(address);
    if (!this.perPeer.take(identity)) return false;
    socket.once('close', () => this.perPeer.release(identity));
    return this.authorized(socket);
  }

  private async authorized(socket: VmSocket): Promise<boolean> {
    const authorize = this.options.authorize;
    if (authorize === undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.authorizeTimeoutMs);
    });
    try {
      return (await Promise.race([Promise.resolve().then(() => authorize(socket.remoteVmAddress, socket)), timeout])) === true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

function checkLimit(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new RangeError(`serve(): options.${name} must be a positive number; got ${String(value)}`);
  }
  return value;
}
