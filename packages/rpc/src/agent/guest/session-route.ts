/**
 * How an agent's sessions reach the host, in its two modes. Either way the route is one channel
 * (the agent is the HTTP/2 client on session links) that survives reconnects, so host clients
 * made once keep working:
 *
 * - dialing (connect()): the channel dials the host target; call links are dialed to the same
 *   target with the session's token;
 * - listening (listen()): the channel's connections are session links the host dials in; call
 *   links are dialed by the host too and arrive on the same listener.
 */
import type { Duplex } from 'node:stream';
import { connect, formatTarget, type ConnectOptions, type DataPathOption, type VmAddress } from '@vmrpc/native';
import { createChannel, type SocketFactory, type VmChannel, type VmChannelOptions } from '@vmrpc/transport';
import { dialLink } from '../link/dial-link';
import { LinkTable, type Link } from '../link/link-table';
import { listenForLinks, type LinkAuthorizer, type LinkListener } from '../link/link-listener';
import { refuse } from '../link/preface';
import type { GuestSessionOptions } from './guest-session';
import { SessionLinkSource } from './session-link-source';

export interface SessionRoute {
  readonly channel: VmChannel;
  /** The kernel identity of the link the channel is connected over (listening agents). */
  linkIdentity(): string | undefined;
  /** Dials a call link for a session; undefined when the host dials call links. */
  readonly dialCallLink: GuestSessionOptions['dialCallLink'];
  /** Why the last attempt to reach the host failed. */
  connectFailure(): Error;
  /** The bound address (listening agents). */
  address(): VmAddress | undefined;
  close(): void;
}

export interface RouteOptions {
  channel: Omit<VmChannelOptions, 'connect'> | undefined;
  connect: Omit<ConnectOptions, 'signal'> | undefined;
  handshakeTimeoutMs: number;
  /** The channel's own reconnect backoff (the agent's loop paces sessions). */
  grpcBackoff: Record<string, number>;
}

function sessionChannel(factory: SocketFactory, options: RouteOptions): VmChannel {
  return createChannel(factory, { ...options.channel, grpc: { ...options.grpcBackoff, ...options.channel?.grpc } });
}

/** Sessions over connections the agent dials to `target` (a VmAddress, or a socket factory). */
export function dialingRoute(target: VmAddress | SocketFactory, options: RouteOptions): SessionRoute {
  let lastError: Error | undefined;
  const channel = sessionChannel((signal) => {
    // A factory that throws synchronously, or returns a socket rather than a promise of one, is
    // taken as if it had returned a promise: its error is the one connect() reports.
    const opening = Promise.resolve().then(() => (typeof target === 'function' ? target(signal) : connect(target, { ...options.connect, signal })));
    return opening.catch((error: Error) => {
      lastError = error;
      throw error;
    });
  }, options);
  return {
    channel,
    linkIdentity: () => undefined,
    dialCallLink: async (sessionId, token, signal) => {
      const socket = await dialLink<Duplex & { remoteVmAddress?: VmAddress }>(target, { kind: 'calls', sessionId, token }, { signal, connect: options.connect, handshakeTimeoutMs: options.handshakeTimeoutMs });
      const peer = socket.remoteVmAddress ?? (typeof target === 'function' ? undefined : target);
      return { socket, peer: peer === undefined ? 'custom' : formatTarget(peer) };
    },
    connectFailure: () => lastError ?? new Error('cannot connect to the host'),
    address: () => undefined,
    close: () => channel.close(),
  };
}

export interface ListeningRouteOptions extends RouteOptions {
  authorize: LinkAuthorizer | undefined;
  dataPath: DataPathOption | undefined;
  /** A call link the host dialed, with the session it names. */
  onCallLink(link: Link, sessionId: string, token: Buffer): void;
  /** A plain gRPC connection; undefined: refused (the agent serves calls on call links only). */
  onDirectCall: ((link: Link) => void) | undefined;
  onRefused(address: VmAddress | undefined, reason: string): void;
}

/** Sessions over links the host dials to the agent's listener on `target`. */
export async function listeningRoute(target: string | VmAddress, options: ListeningRouteOptions): Promise<SessionRoute> {
  const links = new LinkTable(64);
  const sessionLinks = new SessionLinkSource();
  const listener: LinkListener = await listenForLinks(target, {
    table: links,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    authorize: options.authorize,
    dataPath: options.dataPath,
    onOpen: (link, opening) => {
      if (opening.kind === 'session') {
        link.socket.write('OK\n');
        return sessionLinks.offer(link);
      }
      if (opening.kind === 'calls') return options.onCallLink(link, opening.sessionId, opening.token);
      if (options.onDirectCall !== undefined) return options.onDirectCall(link);
      refuse(link.socket, 'this agent serves calls on call links only');
    },
    onRefused: options.onRefused,
  });
  const channel = sessionChannel((signal) => sessionLinks.next(signal), options);
  return {
    channel,
    linkIdentity: () => sessionLinks.taken?.identity,
    dialCallLink: undefined,
    connectFailure: () => new Error('the host has not dialed the agent'),
    address: () => listener.address() ?? undefined,
    close: () => {
      channel.close();
      sessionLinks.close();
      void listener.close();
      links.destroyAll();
    },
  };
}
