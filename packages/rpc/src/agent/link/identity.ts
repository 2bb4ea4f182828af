/**
 * An agent's identity: which VM a connection comes from, as the host's kernel (or the host's own
 * dialing) establishes it, never as the agent claims it. The same rule as the per-peer limits of
 * @vmrpc/transport (`vsock:<CID>`, `hvsock:<VM id>`, `hybrid-vsock:<VMM socket>`, and for Unix
 * sockets the listener's path), so both count the same peers.
 */
export { peerIdentity as identityOf } from '@vmrpc/transport';
