/**
 * Accepting agent links: accept with @vmrpc/native, count the peer against its connection
 * limit, ask `authorize`, then read the opening bytes within the handshake bound and hand the
 * connection to its owner: a plain gRPC connection, or a link preface (preface.ts). Nothing a
 * peer sends can make the listener wait without a bound or keep a connection it refused.
 */
import { createServer, formatTarget, type DataPathOption, type VmAddress, type VmServer, type VmSocket } from '@vmrpc/native';
import { awaitPreface, HTTP2_CLIENT_PREFACE } from '@vmrpc/transport';
import type { LinkTable, Link } from './link-table';
import { readOpening, refuse, type LinkOpening } from './preface';
import { withTimeout } from '../util/timers';

/** Decides whether a peer may connect; sees the peer's identity (`vsock:3`, ...) and address. */
export type LinkAuthorizer = (identity: string, address: VmAddress) => boolean | Promise<boolean>;

export interface LinkListenerOptions {
  table: LinkTable;
  handshakeTimeoutMs: number;
  authorize?: LinkAuthorizer | undefined;
  authorizeTimeoutMs?: number | undefined;
  dataPath?: DataPathOption | undefined;
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

export async function listenForLinks(target: string | VmAddress, options: LinkListenerOptions): Promise<LinkListener> {
  let refused = 0;
  const refuseWith = (socket: VmSocket | undefined, address: VmAddress | undefined, reason: string): void => {
    refused++;
    options.onRefused?.(address, reason);
    if (socket !== undefined) refuse(socket, reason);
  };

  async function admit(socket: VmSocket): Promise<void> {
    socket.on('error', () => undefined);
    // An unnamed Unix peer (path '', credentials only) counts as its listener, as before it had an address.
    const remote = socket.remoteVmAddress;
    const address = remote === undefined || (remote.family === 'unix' && remote.path === '') ? socket.localVmAddress : remote;
    if (address === undefined) return refuseWith(socket, undefined, 'peer address unknown');
    const link = options.table.add(socket, address, false);
    if (link === undefined) return refuseWith(socket, address, `too many connections from ${formatTarget(address)}`);
    if (options.authorize !== undefined && !(await authorized(options.authorize, link, options.authorizeTimeoutMs ?? 5000))) {
      return refuseWith(socket, address, `peer ${link.identity} not authorized`);
    }
    let opening: LinkOpening;
    const started = Date.now();
    try {
      opening = await readOpening(socket, options.handshakeTimeoutMs);
      // One right first byte is not a connection: plain gRPC must send HTTP/2's whole preface
      // within the same bound before grpc-js holds a session for it.
      if (opening.kind === 'grpc') await awaitPreface(socket, HTTP2_CLIENT_PREFACE, Math.max(1, options.handshakeTimeoutMs - (Date.now() - started)));
    } catch (error) {
      return refuseWith(socket, address, (error as Error).message);
    }
    if (socket.destroyed) return;
    options.onOpen(link, opening);
  }

  const server: VmServer = createServer({ dataPath: options.dataPath ?? 'auto', pauseOnConnect: true }, (socket) => void admit(socket));
  server.on('drop', (address?: VmAddress) => {
    refused++;
    options.onRefused?.(address, 'listener connection limit');
  });
  await server.listen(target);
  const bound = server.address();
  return {
    address: () => server.address(),
    target: bound === null ? String(target) : formatTarget(bound),
    get refusedConnections() {
      return refused;
    },
    close: async () => {
      // The listening socket closes at once; accepted links are their owners' to close.
      if (server.listening) server.close();
    },
  };
}

async function authorized(authorize: LinkAuthorizer, link: Link, timeoutMs: number): Promise<boolean> {
  try {
    return (await withTimeout(Promise.resolve(authorize(link.identity, link.address)), timeoutMs, () => new Error('authorize timed out'))) === true;
  } catch {
    return false;
  }
}
