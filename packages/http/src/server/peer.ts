/**
 * Which VM sent a request. A connection accepted by serve() is a VM socket whose
 * `remoteVmAddress` the kernel decided (vsock CID and port, Hyper-V VM id, the VMM socket of a
 * hybrid vsock guest). Servers wrap it: node:tls in a TLSSocket (the VM socket is its `_parent`),
 * node:http2's compatibility API in a proxy of the session's socket. peerOf() looks through them.
 */
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest, Http2Session, ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { VmAddress } from '@vmrpc/native';

/** What {@link peerOf} accepts: a request, an HTTP/2 stream or session, or a socket. */
export type PeerSource = IncomingMessage | Http2ServerRequest | ServerHttp2Stream | Http2Session | Duplex;

/** The fields of socket wrappers that lead to the socket underneath. */
export interface Wrapped {
  remoteVmAddress?: VmAddress;
  _parent?: Wrapped | null;
  stream?: Wrapped;
}

/**
 * The kernel-verified peer of the connection that carries `source`, e.g.
 * `{ family: 'vsock', cid: 3, port: 1035 }`; undefined for connections that did not come through
 * serve() and for unnamed Unix clients.
 */
export function peerOf(source: PeerSource): VmAddress | undefined {
  for (const socket of socketLayers(source)) {
    if (socket.remoteVmAddress !== undefined) return socket.remoteVmAddress;
  }
  return undefined;
}

/** The sockets under `source`, outermost first: a TLSSocket, node:http2's wrappers, the VM socket. */
export function* socketLayers(source: PeerSource): Generator<Wrapped & Duplex> {
  let socket = socketOf(source);
  // A few wrappers deep at most (TLS over a VM socket, node's JS stream wrapper for HTTP/2).
  for (let depth = 0; socket !== undefined && socket !== null && depth < 4; depth++) {
    yield socket as Wrapped & Duplex;
    socket = socket._parent ?? socket.stream;
  }
}

function socketOf(source: PeerSource): Wrapped | undefined {
  const candidate = source as { socket?: unknown; session?: { socket?: unknown } | null };
  if ('remoteVmAddress' in (source as object)) return source as Wrapped;
  if (candidate.session?.socket !== undefined) return candidate.session.socket as Wrapped;
  if (candidate.socket !== undefined && candidate.socket !== null) return candidate.socket as Wrapped;
  return source as Wrapped;
}
