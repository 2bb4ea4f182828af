/**
 * The live links of a host or an agent: one entry per connection, with the peer string grpc-js
 * reports for it and the identity of the VM behind it, so a call handler finds the connection
 * its call arrived on from the call's peer string. Connections are counted per peer by
 * @vmrpc/transport's PeerCounter, the one the listeners' admission uses: accepted links were
 * counted there, links this side dials are counted here.
 */
import type { Duplex } from 'node:stream';
import { formatTarget, type VmAddress } from '@vmrpc/native';
import { PeerCounter } from '@vmrpc/transport';
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
  private serial = 0;
  /** Open connections per peer, all listeners and dialers together (maxConnectionsPerPeer). */
  readonly peers: PeerCounter;

  constructor(maxPerIdentity: number) {
    this.peers = new PeerCounter(maxPerIdentity);
  }

  /** Adds a connection admitted by a listener sharing `peers` (counted there). */
  addAccepted(socket: Duplex, address: VmAddress): Link {
    return this.insert(socket, address, false);
  }

  /** Adds a connection this side dialed; undefined (nothing added) when its peer is at the limit. */
  addDialed(socket: Duplex, address: VmAddress): Link | undefined {
    if (!this.peers.track(identityOf(address), socket)) return undefined;
    return this.insert(socket, address, true);
  }

  /** Live links. */
  get size(): number {
    return this.byPeer.size;
  }

  get(peer: string): Link | undefined {
    return this.byPeer.get(peer);
  }

  connectionsOf(identity: string): number {
    return this.peers.count(identity);
  }

  /** Resolves once no link is left (at once when there is none). */
  empty(): Promise<void> {
    // A link leaves the table on its socket's 'close', so every one listed is still to close.
    const closing = [...this.byPeer.values()].map((link) => new Promise<void>((resolve) => link.socket.once('close', () => resolve())));
    return Promise.all(closing).then(() => undefined);
  }

  destroyAll(): void {
    for (const link of this.byPeer.values()) link.socket.destroy();
  }

  private insert(socket: Duplex, address: VmAddress, dialed: boolean): Link {
    let peer = formatTarget(address);
    if (this.byPeer.has(peer)) peer = `${peer}#${++this.serial}`;
    const link: Link = { peer, identity: identityOf(address), address, socket, dialed };
    this.byPeer.set(peer, link);
    socket.once('close', () => this.byPeer.delete(peer));
    return link;
  }
}
