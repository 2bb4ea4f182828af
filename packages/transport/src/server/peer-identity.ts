/**
 * Which VM a connection comes from, for per-peer limits. Ports are left out (a guest's source
 * port changes with every connection); what is left is decided by the kernel, never by the peer:
 *
 *   vsock          vsock:<CID>
 *   Hyper-V        hvsock:<VM id>
 *   hybrid vsock   hybrid-vsock:<VMM socket>   every connection on it comes from one VMM
 *   Unix socket    unix:<listener path>        unnamed peers: the whole listener is one peer,
 *                                              and the path's permissions decide who that is
 */
import type { VmAddress } from '@vmrpc/native';

/**
 * The identity of the VM at `address` (what per-peer limits count). Pass countedAddress(socket),
 * not the raw remote address: every unnamed Unix client has `path: ''`, and countedAddress()
 * makes those count as the listener they came through.
 */
export function peerIdentity(address: VmAddress): string {
  switch (address.family) {
    case 'vsock':
      return `vsock:${address.cid}`;
    case 'hvsock':
      return `hvsock:${address.vmId}`;
    case 'hybrid-vsock':
      return `hybrid-vsock:${address.path}`;
    case 'unix':
      return address.abstract === true ? `unix-abstract:${address.path}` : `unix:${address.path}`;
  }
}

/** Open connections per peer identity, with a ceiling. */
export class PeerCounter {
  private readonly open = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Counts one more connection of `identity`; false (nothing counted) when it is at the limit. */
  take(identity: string): boolean {
    const count = this.open.get(identity) ?? 0;
    if (count >= this.limit) return false;
    this.open.set(identity, count + 1);
    return true;
  }

  /** Gives back a connection counted by take(). */
  release(identity: string): void {
    const left = (this.open.get(identity) ?? 1) - 1;
    if (left <= 0) this.open.delete(identity);
    else this.open.set(identity, left);
  }

  /** take(), and release() when `socket` closes: false (nothing counted) when `identity` is at the limit. */
  track(identity: string, socket: { once(event: 'close', listener: () => void): unknown }): boolean {
    if (!this.take(identity)) return false;
    socket.once('close', () => this.release(identity));
    return true;
  }

  /** Open connections of `identity`. */
  count(identity: string): number {
    return this.open.get(identity) ?? 0;
  }
}
