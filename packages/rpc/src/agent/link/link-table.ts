/**
 * The live links of a host or an agent: one entry per connection, with the peer string grpc-js
 * reports for it and the identity of the VM behind it. The table enforces the per-peer
 * connection limit (one hostile guest must not use up the host's descriptors) and lets a call
 * handler find the connection its call arrived on from the call's peer string.
 */
import type { Duplex } from 'node:stream';
import { formatTarget, type VmAddress } from '@vmrpc/native';
import { identityOf } from './identity';

export interface Link {
  /** Unique among live links: the target string of the peer, with `#n` added when taken. */
  readonly peer: string;
  /** Which VM the link comes from (see identity.ts). */
  readonly identity: string;
  readonly address: VmAddress;
  readonly socket: Duplex;
  /** True when this side dialed the link. */
  readonly dialed: boolean;
}

export class LinkTable {
  private readonly byPeer = new Map<string, Link>();
  private readonly perIdentity = new Map<string, number>();
  private serial = 0;

  constructor(private readonly maxPerIdentity: number) {}

  /** Adds a connected socket; undefined (and nothing added) when its peer is at the limit. */
  add(socket: Duplex, address: VmAddress, dialed: boolean): Link | undefined {
    const identity = identityOf(address);
    const count = this.perIdentity.get(identity) ?? 0;
    if (count >= this.maxPerIdentity) return undefined;
    let peer = formatTarget(address);
    if (this.byPeer.has(peer)) peer = `${peer}#${++this.serial}`;
    const link: Link = { peer, identity, address, socket, dialed };
    this.byPeer.set(peer, link);
    this.perIdentity.set(identity, count + 1);
    socket.once('close', () => {
      this.byPeer.delete(peer);
      const left = (this.perIdentity.get(identity) ?? 1) - 1;
      if (left === 0) this.perIdentity.delete(identity);
      else this.perIdentity.set(identity, left);
    });
    return link;
  }

  /** Live links. */
  get size(): number {
    return this.byPeer.size;
  }

  get(peer: string): Link | undefined {
    return this.byPeer.get(peer);
  }

  connectionsOf(identity: string): number {
    return this.perIdentity.get(identity) ?? 0;
  }

  destroyAll(): void {
    for (const link of this.byPeer.values()) link.socket.destroy();
  }
}
