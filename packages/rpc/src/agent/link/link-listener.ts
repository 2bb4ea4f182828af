/**
 * Accepting agent links: @vmrpc/transport's admission (the per-peer count shared through the
 * link table, a bounded `authorize`, a bounded handshake) with the agent protocol's handshake:
 * the opening bytes say whether the connection is plain gRPC (then HTTP/2's whole preface must
 * follow within the same bound) or a link preface (preface.ts). Refusals are answered with
 * `ERR <reason>`. Nothing a peer sends can make the listener wait without a bound or keep a
 * connection it refused.
 */
import { createServer, formatTarget, parseTarget, type DataPathOption, type VmAddress, type VmSocket } from '@vmrpc/native';
import { admitConnections, awaitPreface, countedAddress, HTTP2_CLIENT_PREFACE, TLS_HANDSHAKE_RECORD } from '@vmrpc/transport';
import { identityOf } from './identity';
import type { LinkTable, Link } from './link-table';
import { readOpening, refuse, type LinkOpening } from './preface';

/** Decides whether a peer may connect; sees the peer's identity (`vsock:3`, ...) and address. */
export type LinkAuthorizer = (identity: string, address: VmAddress) => boolean | Promise<boolean>;

export interface LinkListenerOptions {
  table: LinkTable;
  handshakeTimeoutMs: number;
  authorize?: LinkAuthorizer | undefined;
  authorizeTimeoutMs?: number | undefined;
  dataPath?: DataPathOption | undefined;
  /** Connections open with a TLS handshake (gateway listeners with tls): no link preface, gRPC inside TLS. */
  secure?: boolean | undefined;
  /** Gets every admitted connection with its opening; owns the socket from then on. */
  onOpen(link: Link, opening: LinkOpening): void;
  /** Told why a connection was refused (for logs). */
  onRefused?(address: VmAddress | undefined, reason: string): void;
}

export interface LinkListener {
  address(): VmAddress | null;
  readonly target: string;
  /** Connections refused so far (limits, authorize, bad openings). */
  readonly refusedConnections: number;
  /** Stops accepting; resolves when the listening socket is closed (links stay open). */
  close(): Promise<void>;
}

/** The agent protocol's handshake: a link preface, or plain gRPC with its whole HTTP/2 preface. */
async function linkHandshake(socket: VmSocket, timeoutMs: number): Promise<LinkOpening> {
  const started = Date.now();
  const opening = await readOpening(socket, timeoutMs);
  // One right first byte is not a connection: plain gRPC must send HTTP/2's whole preface
  // within the same bound before grpc-js holds a session for it.
  if (opening.kind === 'grpc') await awaitPreface(socket, HTTP2_CLIENT_PREFACE, Math.max(1, timeoutMs - (Date.now() - started)));
  return opening;
}

/** A TLS listener's handshake: the first byte must open a TLS handshake record; TLS itself runs later. */
async function tlsHandshake(socket: VmSocket, timeoutMs: number): Promise<LinkOpening> {
  await awaitPreface(socket, TLS_HANDSHAKE_RECORD, timeoutMs);
  return { kind: 'grpc' };
}

export async function listenForLinks(target: string | VmAddress, options: LinkListenerOptions): Promise<LinkListener> {
  const server = createServer({ dataPath: options.dataPath ?? 'auto', pauseOnConnect: true });
  const authorize = options.authorize;
  const admission = admitConnections(
    server,
    {
      peers: options.table.peers,
      authorize: authorize === undefined ? undefined : (_peer, socket) => {
        const address = countedAddress(socket);
        return address !== undefined && authorize(identityOf(address), address);
      },
      authorizeTimeoutMs: options.authorizeTimeoutMs,
      handshake: options.secure === true ? tlsHandshake : linkHandshake,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      refuse,
      onRefused: options.onRefused,
    },
    ({ socket, address, opening }) => {
      if (address === undefined) return refuse(socket, 'peer address unknown');
      options.onOpen(options.table.addAccepted(socket, address), opening);
    },
  );
  await server.listen(target);
  const bound = server.address();
  return {
    address: () => server.address(),
    target: formatTarget(bound ?? (typeof target === 'string' ? parseTarget(target) : target)),
    get refusedConnections() {
      return admission.refusedConnections;
    },
    close: async () => {
      // The listening socket closes at once; accepted links are their owners' to close.
      if (server.listening) server.close();
    },
  };
}
