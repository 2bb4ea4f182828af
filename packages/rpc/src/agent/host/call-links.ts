/**
 * Call links on the host: opening one for a call to an agent (asked of the agent on its session
 * stream, or dialed by the host when the host dialed the session) and accepting the ones agents
 * dial in answer. Either way a call link belongs to one live session and comes from its peer.
 */
import type { Duplex } from 'node:stream';
import type { ConnectOptions, VmSocket } from '@vmrpc/native';
import { RpcError, Status } from '../../errors';
import { dialLink } from '../link/dial-link';
import type { Link, LinkTable } from '../link/link-table';
import { refuse, type LinkPreface } from '../link/preface';
import type { LogLevel } from '../util/logger';
import { agentWhereabouts } from './agent-info';
import type { Registry } from './registry';

export interface CallLinksOptions {
  registry: Registry;
  links: LinkTable;
  callLinkTimeoutMs: number;
  connect: Omit<ConnectOptions, 'signal'> | undefined;
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export class CallLinks {
  /** Call links handed to an agent's channel and not closed yet. */
  private readonly live = new Set<Duplex>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly options: CallLinksOptions) {}

  /** A call link an agent dialed: it must name a live session, carry its token and come from its peer. */
  accept(link: Link, preface: Extract<LinkPreface, { kind: 'calls' }>): void {
    const session = this.options.registry.sessionById(preface.sessionId);
    if (session === undefined || !session.tokenMatches(preface.token)) return refuse(link.socket, 'unknown session or wrong token');
    if (session.link.identity !== link.identity) {
      this.options.log('warn', `call link for agent ${session.agentId} from another peer refused`, { session: session.link.identity, link: link.identity });
      return refuse(link.socket, `this session belongs to another peer`);
    }
    // The answer is one line: ERR for a link nobody asked for, never OK then ERR.
    if (!session.awaitsCallLink) return refuse(link.socket, 'no call link was requested');
    link.socket.write('OK\n');
    this.track(link.socket);
    session.deliverCallLink(link.socket);
  }

  /** Resolves once every call link handed to a channel has closed (their calls are done). */
  idle(): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private track(socket: Duplex): void {
    this.live.add(socket);
    socket.once('close', () => {
      this.live.delete(socket);
      if (this.live.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  /** Opens a call link to agent `agentId`'s live session, or rejects saying why there is none. */
  async open(agentId: string, signal: AbortSignal): Promise<Duplex> {
    const { registry, callLinkTimeoutMs } = this.options;
    const agent = registry.get(agentId);
    const session = registry.sessionOf(agentId);
    // The channel ends waiting calls with these statuses (NOT_FOUND is not "try again later").
    if (agent === undefined) throw new RpcError(Status.NOT_FOUND, agentWhereabouts(agentId, agent));
    if (session === undefined || agent.state === 'draining') throw new RpcError(Status.UNAVAILABLE, agentWhereabouts(agentId, agent));
    if (!session.link.dialed) return session.requestCallLink(callLinkTimeoutMs, signal);
    // The host dialed this agent: it dials the call link too, with the session's token.
    const bounded = new AbortController();
    const timer = setTimeout(() => bounded.abort(new Error(`no call link to agent ${agentId} within ${callLinkTimeoutMs} ms`)), callLinkTimeoutMs);
    const onAbort = (): void => bounded.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let socket: VmSocket;
    try {
      socket = await dialLink<VmSocket>(session.link.address, { kind: 'calls', sessionId: session.id, token: session.token }, {
        signal: bounded.signal,
        connect: this.options.connect,
        handshakeTimeoutMs: callLinkTimeoutMs,
      });
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    const link = this.options.links.addDialed(socket, session.link.address);
    if (link === undefined) {
      socket.destroy();
      throw new Error(`too many connections to agent ${agentId} (maxConnectionsPerPeer)`);
    }
    // One listener per call link while it is open, not one per call link for the whole session.
    const unsubscribe = session.onEnd(() => socket.destroy());
    socket.once('close', unsubscribe);
    this.track(socket);
    return socket;
  }
}
