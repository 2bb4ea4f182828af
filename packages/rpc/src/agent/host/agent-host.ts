/**
 * AgentHost: the host side of guest agents. It listens on one or more targets (and can dial
 * agents that listen), keeps the live registry (list, get, waitFor; events `online`, `offline`
 * with a reason, `updated`), gives typed clients of each agent's services (host.agent(id)), and
 * serves its own services to agents over the same links.
 *
 * Every connection is a "link" (link/): plain gRPC from an agent (its session, and its calls to
 * the host's services), or a call link an agent opened because the host asked, on which the
 * host is the HTTP/2 client. docs/agents.md has the protocol and its sequence diagram.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { ServerCredentials } from '@grpc/grpc-js';
import { parseTarget, type ConnectOptions, type DataPathOption, type VmAddress, type VmSocket } from '@vmrpc/native';
import { injectConnection, type BackoffOptions, type VmChannelOptions } from '@vmrpc/transport';
import { createServer, type RpcServer, type ServerOptions, type ServiceImplementation } from '../../server/create-server';
import type { CallContext } from '../../server/context';
import type { ServiceDescriptor } from '../../descriptor';
import { AgentDirectoryService, AgentRegistryService } from '../protocol/generated/vmrpc/agent/v1/agent';
import { AGENT_ID_METADATA } from '../protocol/version';
import { checkAgentId } from '../protocol/registration';
import { serviceNamesOf } from '../protocol/service-names';
import { dialLink } from '../link/dial-link';
import { LinkTable, type Link } from '../link/link-table';
import { listenForLinks, type LinkAuthorizer, type LinkListener } from '../link/link-listener';
import { refuse, type LinkPreface } from '../link/preface';
import { logTo, type AgentLogger } from '../util/logger';
import { delay, withTimeout } from '../util/timers';
import type { AgentInfo, OfflineReason } from './agent-info';
import { AgentHandle } from './agent-handle';
import { directoryService } from './directory';
import { HostDialer } from './host-dialer';
import { Registry } from './registry';
import { sessionHandler, type RegistrationAuthorizer } from './session-handler';

/** Options of {@link AgentHost}; every limit and timeout has a default suited to local VM sockets. */
export interface AgentHostOptions {
  /** How often agents send heartbeats. Default 5000 ms. */
  heartbeatIntervalMs?: number;
  /** An agent silent for this long goes offline (`heartbeat-timeout`). Default 3 x the interval. */
  heartbeatTimeoutMs?: number;
  /** How long a new session may take to register, and a new link to send its preface. Default 10000 ms. */
  registrationTimeoutMs?: number;
  /** How long opening a call link to an agent may take. Default 10000 ms. */
  callLinkTimeoutMs?: number;
  /** Decides which peers may register which agents (after the built-in checks). */
  authorize?: RegistrationAuthorizer;
  /** Most agents known at once (online or remembered offline). Default 1024. */
  maxAgents?: number;
  /** Most agents online at once from one peer (one VM). Default 8. */
  maxAgentsPerPeer?: number;
  /** Most open connections from one peer, all listeners together. Default 32. */
  maxConnectionsPerPeer?: number;
  /** How long an offline agent stays listed and keeps its id bound to its peer. Default 300000 ms. */
  retainOfflineMs?: number;
  /** Options of the host's gRPC server (message size limits, ...). */
  server?: ServerOptions;
  /** Options of the channels to agents (message size limits, keepalive, ...). */
  channel?: Omit<VmChannelOptions, 'connect'>;
  /** How the host dials agents that listen (connectTimeout, dataPath, ...). */
  connect?: Omit<ConnectOptions, 'signal'>;
  /** Backoff between dials of an agent that listens. Default 250 ms growing to 5000 ms. */
  reconnect?: BackoffOptions;
  logger?: AgentLogger;
}

/** Options of {@link AgentHost.listen}. */
export interface AgentListenOptions {
  /** Serve AgentDirectory (the agent list, for `vmrpc agents`) on this listener. Use on host-only targets. */
  admin?: boolean;
  /** Decides, before any byte is read, whether a peer may connect at all. */
  authorize?: LinkAuthorizer;
  dataPath?: DataPathOption;
}

/** Bounds of a wait for an agent. */
export interface WaitForAgentOptions {
  signal?: AbortSignal;
  /** Default 30000 ms. */
  timeoutMs?: number;
}

/** The events of {@link AgentHost}. */
export interface AgentHostEvents {
  online: [agent: AgentInfo];
  offline: [agent: AgentInfo, reason: OfflineReason];
  updated: [agent: AgentInfo];
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 5000 };

/**
 * The host side of guest agents: listens for agents (or dials agents that listen), keeps the
 * registry, and gives typed clients of each agent's services (`host.agent(id).client(S)`).
 */
export class AgentHost extends EventEmitter<AgentHostEvents> {
  private readonly options: Required<Pick<AgentHostOptions, 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'registrationTimeoutMs' | 'callLinkTimeoutMs'>> & AgentHostOptions;
  private readonly server: RpcServer;
  private readonly injector;
  private readonly links: LinkTable;
  private readonly registry: Registry;
  private readonly handles = new Map<string, AgentHandle>();
  private readonly linkListeners: LinkListener[] = [];
  private readonly adminPeers = new Set<string>();
  private readonly registeredLinks = new WeakSet<Link>();
  private readonly dialers = new Map<string, HostDialer>();
  private readonly hostServiceNames = new Set<string>();
  private readonly activeSessions = new Set<Promise<void>>();
  private readonly log;
  private closed = false;

  constructor(options: AgentHostOptions = {}) {
    super();
    const heartbeatIntervalMs = positive('heartbeatIntervalMs', options.heartbeatIntervalMs, 5000);
    this.options = {
      ...options,
      heartbeatIntervalMs,
      heartbeatTimeoutMs: positive('heartbeatTimeoutMs', options.heartbeatTimeoutMs, 3 * heartbeatIntervalMs),
      registrationTimeoutMs: positive('registrationTimeoutMs', options.registrationTimeoutMs, 10_000),
      callLinkTimeoutMs: positive('callLinkTimeoutMs', options.callLinkTimeoutMs, 10_000),
    };
    this.log = logTo(options.logger, 'vmrpc agent host');
    this.links = new LinkTable(positive('maxConnectionsPerPeer', options.maxConnectionsPerPeer, 32));
    this.registry = new Registry(
      {
        maxAgents: positive('maxAgents', options.maxAgents, 1024),
        maxAgentsPerPeer: positive('maxAgentsPerPeer', options.maxAgentsPerPeer, 8),
        retainOfflineMs: positive('retainOfflineMs', options.retainOfflineMs, 300_000),
        heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
      },
      {
        online: (info) => {
          this.handles.get(info.id)?.online();
          this.emit('online', info);
        },
        offline: (info, reason) => {
          this.handles.get(info.id)?.offline(reason);
          this.emit('offline', info, reason);
        },
        updated: (info) => this.emit('updated', info),
      },
    );
    this.server = createServer(options.server);
    this.server.add(AgentRegistryService, {
      session: sessionHandler({
        links: this.links,
        registry: this.registry,
        heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
        registrationTimeoutMs: this.options.registrationTimeoutMs,
        authorize: options.authorize,
        hostServices: () => [...this.hostServiceNames],
        log: this.log,
        onRegistered: (link) => this.registeredLinks.add(link),
        active: this.activeSessions,
      }),
    });
    this.server.add(AgentDirectoryService, directoryService(() => this.registry.list(), (peer) => this.adminPeers.has(peer)));
    this.injector = this.server.grpcServer.createConnectionInjector(ServerCredentials.createInsecure());
  }

  /** Serves `service` to agents (they call it with agent.hostClient()). */
  add<S extends ServiceDescriptor>(service: S, implementation: ServiceImplementation<S>): this {
    this.server.add(service, implementation);
    for (const name of serviceNamesOf(service)) this.hostServiceNames.add(name);
    return this;
  }

  /** Accepts agents on `target` (`vsock:any:PORT`, `hvsock:...`, `hybrid-vsock:PATH:PORT`, `unix:PATH`). */
  async listen(target: string | VmAddress, options: AgentListenOptions = {}): Promise<VmAddress> {
    if (this.closed) throw new Error('the agent host is closed');
    const admin = options.admin === true;
    const listener = await listenForLinks(target, {
      table: this.links,
      handshakeTimeoutMs: this.options.registrationTimeoutMs,
      authorize: options.authorize,
      dataPath: options.dataPath,
      onOpen: (link, opening) => {
        if (opening.kind === 'grpc') return this.serve(link, admin);
        if (opening.kind === 'calls') return this.acceptCallLink(link, opening);
        refuse(link.socket, 'a host does not take session links');
      },
      onRefused: (address, reason) => this.log('warn', `connection refused: ${reason}`, { address }),
    });
    this.linkListeners.push(listener);
    return listener.address() ?? parseTarget(String(target));
  }

  /**
   * Dials an agent that listens (GuestAgent#listen) and keeps dialing it when the link is lost,
   * until disconnect() or close(). Resolves with the agent once it registered.
   */
  async connect(target: string | VmAddress, options: WaitForAgentOptions = {}): Promise<AgentInfo> {
    if (this.closed) throw new Error('the agent host is closed');
    const address = typeof target === 'string' ? parseTarget(target) : target;
    const key = JSON.stringify(address);
    let dialer = this.dialers.get(key);
    if (dialer === undefined) {
      dialer = new HostDialer(address, {
        links: this.links,
        connect: this.options.connect,
        handshakeTimeoutMs: this.options.registrationTimeoutMs,
        backoff: this.options.reconnect ?? DEFAULT_BACKOFF,
        serve: (link) => this.serve(link, false),
        registeredOn: (link) => this.registeredLinks.has(link),
        log: (level, message) => this.log(level, `${String(target)}: ${message}`),
      });
      this.dialers.set(key, dialer);
    }
    const dialed = dialer;
    const registered = this.waitForAgent((agent) => dialed.link !== undefined && this.registry.sessionOf(agent.id)?.link === dialed.link, options, `an agent at ${String(target)}`);
    return registered;
  }

  /** Stops dialing `target` and closes its session link. */
  disconnect(target: string | VmAddress): void {
    const key = JSON.stringify(typeof target === 'string' ? parseTarget(target) : target);
    this.dialers.get(key)?.close();
    this.dialers.delete(key);
  }

  /** Every agent the host knows: online first, then draining, then offline ones still remembered. */
  list(): AgentInfo[] {
    return this.registry.list();
  }

  /** Agent `id` as the host knows it (online, draining, or offline and still remembered). */
  get(id: string): AgentInfo | undefined {
    return this.registry.get(id);
  }

  /** Resolves when agent `id` is online (at once if it is). */
  waitFor(id: string, options: WaitForAgentOptions = {}): Promise<AgentInfo> {
    checkAgentId(id);
    return this.waitForAgent((agent) => agent.id === id, options, `agent ${id}`);
  }

  /** Typed clients of agent `id`'s services; usable before the agent is online. */
  agent(id: string): AgentHandle {
    checkAgentId(id);
    let handle = this.handles.get(id);
    if (handle === undefined) {
      handle = new AgentHandle(id, (agentId) => this.registry.get(agentId), (agentId, signal) => this.openCallLink(agentId, signal), this.options.channel ?? {});
      this.handles.set(id, handle);
    }
    return handle;
  }

  /**
   * The agent that made a call to one of the host's services (undefined for callers that are not
   * a registered agent on the same peer). Agents' host clients name themselves in metadata; the
   * name counts only if that agent is registered from the peer the call came from.
   */
  callerOf(context: CallContext): AgentInfo | undefined {
    const link = this.links.get(context.peer);
    if (link === undefined) return undefined;
    const named = context.metadata.get(AGENT_ID_METADATA)[0];
    if (typeof named === 'string') {
      const agent = this.registry.get(named);
      return agent?.peer === link.identity && agent.state !== 'offline' ? agent : undefined;
    }
    const candidates = this.registry.list().filter((agent) => agent.peer === link.identity && agent.state !== 'offline');
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  /**
   * Closes the host: agents are told to drain (they reconnect with backoff, e.g. to a restarted
   * host), listeners and dialers stop, calls in progress get `graceMs` (default 5000) to finish.
   */
  async close(graceMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const dialer of this.dialers.values()) dialer.close();
    this.dialers.clear();
    await Promise.all(this.linkListeners.splice(0).map((listener) => listener.close()));
    for (const agent of this.registry.list()) {
      const session = this.registry.sessionOf(agent.id);
      session?.drain('host-closed', graceMs);
      session?.end('host-closed');
    }
    for (const handle of this.handles.values()) handle.close();
    this.handles.clear();
    // Sessions end after their Drain is written; calls on other links get GOAWAY and the grace.
    const deadline = Date.now() + graceMs;
    await withTimeout(Promise.all([...this.activeSessions]), graceMs, () => new Error('grace')).catch(() => undefined);
    this.injector.drain(Math.max(0, deadline - Date.now()));
    while (this.links.size > 0 && Date.now() < deadline) await delay(10);
    await this.server.close(0);
    this.injector.destroy();
    this.links.destroyAll();
    this.registry.clear();
  }

  private serve(link: Link, admin: boolean): void {
    if (admin) {
      this.adminPeers.add(link.peer);
      link.socket.once('close', () => this.adminPeers.delete(link.peer));
    }
    injectConnection(this.injector, link.socket, link.peer);
  }

  private acceptCallLink(link: Link, preface: Extract<LinkPreface, { kind: 'calls' }>): void {
    const session = this.registry.sessionById(preface.sessionId);
    if (session === undefined || !session.tokenMatches(preface.token)) return refuse(link.socket, 'unknown session or wrong token');
    if (session.link.identity !== link.identity) {
      this.log('warn', `call link for agent ${session.agentId} from another peer refused`, { session: session.link.identity, link: link.identity });
      return refuse(link.socket, `this session belongs to another peer`);
    }
    link.socket.write('OK\n');
    if (!session.deliverCallLink(link.socket)) refuse(link.socket, 'no call link was requested');
  }

  private async openCallLink(agentId: string, signal: AbortSignal): Promise<Duplex> {
    const agent = this.registry.get(agentId);
    const session = this.registry.sessionOf(agentId);
    if (agent === undefined || session === undefined) {
      throw new Error(agent === undefined ? `agent ${agentId} is not registered` : `agent ${agentId} is offline (${agent.offlineReason ?? 'unknown'})`);
    }
    if (agent.state === 'draining') throw new Error(`agent ${agentId} is draining`);
    if (!session.link.dialed) return session.requestCallLink(this.options.callLinkTimeoutMs, signal);
    // The host dialed this agent: it dials the call link too, with the session's token.
    const bounded = new AbortController();
    const timer = setTimeout(() => bounded.abort(new Error(`no call link to agent ${agentId} within ${this.options.callLinkTimeoutMs} ms`)), this.options.callLinkTimeoutMs);
    const onAbort = (): void => bounded.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let socket: VmSocket;
    try {
      socket = await dialLink<VmSocket>(session.link.address, { kind: 'calls', sessionId: session.id, token: session.token }, {
        signal: bounded.signal,
        connect: this.options.connect,
        handshakeTimeoutMs: this.options.callLinkTimeoutMs,
      });
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    const link = this.links.add(socket, session.link.address, true);
    if (link === undefined) {
      socket.destroy();
      throw new Error(`too many connections to agent ${agentId} (maxConnectionsPerPeer)`);
    }
    session.onEnd(() => socket.destroy());
    return socket;
  }

  private waitForAgent(match: (agent: AgentInfo) => boolean, options: WaitForAgentOptions, what: string): Promise<AgentInfo> {
    const now = this.registry.list().find((agent) => agent.state === 'online' && match(agent));
    if (now !== undefined) return Promise.resolve(now);
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise<AgentInfo>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.removeListener('online', onOnline);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onOnline = (agent: AgentInfo): void => {
        if (!match(agent)) return;
        done();
        resolve(agent);
      };
      const onAbort = (): void => {
        done();
        reject(options.signal!.reason as Error);
      };
      const timer = setTimeout(() => {
        done();
        reject(Object.assign(new Error(`${what} did not come online within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      if (options.signal?.aborted === true) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.on('online', onOnline);
    });
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`options.${name} must be a positive number (got ${String(value)})`);
  return value;
}
