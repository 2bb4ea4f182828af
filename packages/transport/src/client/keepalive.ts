/** Keepalive moved to protocol/keepalive.ts (shared with the rpc server on the engine); this path stays for its importers. */
export { Keepalive, type KeepaliveOptions, type PingedConnection } from '../protocol/keepalive';
