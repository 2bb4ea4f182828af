/**
 * AgentHost: the host side of guest agents. It listens on one or more targets (and can dial
 * agents that listen), keeps the live registry (list, get, waitFor; events `online`, `offline`
 * with a reason, `updated`), gives typed clients of each agent's services (host.agent(id)), and
 * serves its own services to agents over the same links.
 *
 * Every connection is a "link" (link/): plain gRPC from an agent (its session, and its calls to
 * the host's services), or a call link an agent opened because the host asked, on which the
 * host is the HTTP/2 client. docs/agents.md has the protocol; docs/architecture.md which
 * object owns what.
 */
import { EventEmitter } from 'node:events';
import { formatTarget, parseTarget, type VmAddress } from '@vmrpc/native';
import { MAX_TIMER_MS, type BackoffOptions } from '@vmrpc/transport';
import { backoff, checkHeartbeats, positive, timerMs } from './option-checks';
import type { AgentHostEvents, AgentHostOptions, AgentListenOptions } from './options';
import { createServer, type RpcServer, type ServiceImplementation } from '../../server/create-server';
import type { CallContext } from '../../server/context';
import type { ServiceDescriptor } from '../../descriptor';
import { AgentDirectoryService, AgentRegistryService } from '../protocol/generated/vmrpc/agent/v1/agent';
import { AGENT_ID_METADATA } from '../protocol/version';
import { checkAgentId } from '../protocol/registration';
import { serviceNamesOf } from '../protocol/service-names';
import { checkGraceMs, graceTimerMs } from '../util/grace';
import { logTo } from '../util/logger';
import { withTimeout } from '../util/timers';
import { emitToUser } from '../util/emit-to-user';
import { RpcError, Status } from '../../errors';
import type { AgentInfo } from './agent-info';
import { AgentHandle } from './agent-handle';
import { GatewayRouter } from '../gateway/gateway-router';
import { gatewayLimits } from '../gateway/limits';
import { refusingAgentCalls } from '../gateway/no-gateway';
import { gatewayCaller } from '../gateway/caller';
import { AgentWaiters, waitTimeoutMs, type WaitForAgentOptions } from './agent-waiters';
import { CallLinks } from './call-links';
import { directoryService } from './directory';
import { HostLinks } from './host-links';
import { Registry } from './registry';
import { sessionHandler } from './session-handler';

export type { AgentHostEvents, AgentHostOptions, AgentListenOptions } from './options';
export type { WaitForAgentOptions } from './agent-waiters';

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 5000 };

/**
 * The host side of guest agents: listens for agents (or dials agents that listen), keeps the
 * registry, and gives typed clients of each agent's services (`host.agent(id).client(S)`).
 * It composes four pieces, each testable alone: the registry (agents, sessions, id bindings),
 * the links (listeners, dialers, the gRPC server), call links, and waits for agents.
 */
export class AgentHost extends EventEmitter<AgentHostEvents> {
  private readonly options: Required<Pick<AgentHostOptions, 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'registrationTimeoutMs' | 'callLinkTimeoutMs'>> & AgentHostOptions;
  private readonly server: RpcServer;
  private readonly registry: Registry;
  private readonly links: HostLinks;
  private readonly callLinks: CallLinks;
  private readonly waiters: AgentWaiters;
  private readonly router: GatewayRouter;
  private readonly handles = new Map<string, AgentHandle>();
  private readonly hostServiceNames = new Set<string>();
  private readonly activeSessions = new Set<Promise<void>>();
  private readonly log;
  private closing: Promise<void> | undefined;
  /** Aborted when close() begins: sessions still registering end with UNAVAILABLE. */
  private readonly closeSignal = new AbortController();

  constructor(options: AgentHostOptions = {}) {
    super();
    const heartbeatIntervalMs = timerMs('heartbeatIntervalMs', options.heartbeatIntervalMs, 5000);
    checkHeartbeats(heartbeatIntervalMs, options.heartbeatTimeoutMs);
    this.options = {
      ...options,
      heartbeatIntervalMs,
      heartbeatTimeoutMs: timerMs('heartbeatTimeoutMs', options.heartbeatTimeoutMs, Math.min(3 * heartbeatIntervalMs, MAX_TIMER_MS)),
      registrationTimeoutMs: timerMs('registrationTimeoutMs', options.registrationTimeoutMs, 10_000),
      callLinkTimeoutMs: timerMs('callLinkTimeoutMs', options.callLinkTimeoutMs, 10_000),
    };
    this.log = logTo(options.logger, 'vmrpc agent host');
    this.registry = new Registry(
      {
        maxAgents: positive('maxAgents', options.maxAgents, 1024),
        maxAgentsPerPeer: positive('maxAgentsPerPeer', options.maxAgentsPerPeer, 8),
        retainOfflineMs: timerMs('retainOfflineMs', options.retainOfflineMs, 300_000),
        heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
      },
      {
        online: (info) => {
          this.handles.get(info.id)?.online();
          emitToUser(this, 'online', info);
        },
        offline: (info, reason) => {
          this.handles.get(info.id)?.offline(reason);
          emitToUser(this, 'offline', info, reason);
        },
        updated: (info) => emitToUser(this, 'updated', info),
        conflict: (info, from) => this.log('warn', `agent ${info.id} registered again from ${from} while its session there was live: the older session is replaced and its agent told to stop (two agents with one id?)`, { peer: from }),
      },
    );
    this.server = createServer(refusingAgentCalls(options.server));
    this.links = new HostLinks(this.server, {
      maxConnectionsPerPeer: positive('maxConnectionsPerPeer', options.maxConnectionsPerPeer, 32),
      handshakeTimeoutMs: this.options.registrationTimeoutMs,
      connect: options.connect,
      reconnect: backoff('reconnect', options.reconnect, DEFAULT_BACKOFF),
      onCallLink: (link, preface) => this.callLinks.accept(link, preface),
      onGatewayLink: (link, admin, authorize, tls) => this.router.serve(link, gatewayCaller(link, admin), authorize, tls),
      log: this.log,
    });
    this.router = new GatewayRouter({
      lookup: (id) => this.registry.get(id),
      waitFor: (id, timeoutMs, signal) => this.waitFor(id, { timeoutMs, signal }),
      channelOf: (id) => this.agent(id).callChannel(),
      authorizeTimeoutMs: this.options.registrationTimeoutMs,
      handshakeTimeoutMs: this.options.registrationTimeoutMs,
      limits: gatewayLimits(options.gateway),
      inject: (socket, peer) => this.links.inject(socket, peer),
      log: this.log,
    });
    this.callLinks = new CallLinks({ registry: this.registry, links: this.links.table, callLinkTimeoutMs: this.options.callLinkTimeoutMs, connect: options.connect, log: this.log });
    this.waiters = new AgentWaiters(this, () => this.registry.list().filter((agent) => agent.state === 'online'));
    this.server.add(AgentRegistryService, {
      session: sessionHandler({
        links: this.links.table,
        registry: this.registry,
        heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
        registrationTimeoutMs: this.options.registrationTimeoutMs,
        authorize: options.authorize,
        hostServices: () => [...this.hostServiceNames],
        log: this.log,
        onRegistered: (link) => this.links.registered(link),
        active: this.activeSessions,
        closing: this.closeSignal.signal,
      }),
    });
    this.server.add(AgentDirectoryService, directoryService(() => this.registry.list(), (peer) => this.links.isAdmin(peer)));
  }

  /** Serves `service` to agents (they call it with agent.hostClient()). */
  add<S extends ServiceDescriptor>(service: S, implementation: ServiceImplementation<S>): this {
    this.server.add(service, implementation);
    for (const name of serviceNamesOf(service)) this.hostServiceNames.add(name);
    return this;
  }

  /** Accepts agents on `target` (`vsock:any:PORT`, `hvsock:...`, `hybrid-vsock:PATH:PORT`, `unix:PATH`). */
  async listen(target: string | VmAddress, options: AgentListenOptions = {}): Promise<VmAddress> {
    if (this.closing !== undefined) throw new Error('the agent host is closed');
    return this.links.listen(target, options);
  }

  /**
   * Dials an agent that listens (GuestAgent#listen) and keeps dialing it when the link is lost,
   * until disconnect() or close(). Resolves with the agent once it registered.
   */
  async connect(target: string | VmAddress, options: WaitForAgentOptions = {}): Promise<AgentInfo> {
    if (this.closing !== undefined) throw new Error('the agent host is closed');
    const address = typeof target === 'string' ? parseTarget(target) : target;
    waitTimeoutMs(options); // a bad timeoutMs is refused before anything is dialled
    const dialer = this.links.dial(address);
    return this.waiters.wait((agent) => dialer.link !== undefined && this.registry.sessionOf(agent.id)?.link === dialer.link, options, `an agent at ${formatTarget(address)}`);
  }

  /** Stops dialing `target` and closes its session link. */
  disconnect(target: string | VmAddress): void {
    this.links.undial(typeof target === 'string' ? parseTarget(target) : target);
  }

  /** Every agent the host knows: online first, then draining, then offline ones still remembered. */
  list(): AgentInfo[] {
    return this.registry.list();
  }

  /** Agent `id` as the host knows it (online, draining, or offline and still remembered). */
  get(id: string): AgentInfo | undefined {
    return this.registry.get(id);
  }

  /** Resolves when agent `id` is online (at once if it is); rejects on timeout, abort, or close(). */
  waitFor(id: string, options: WaitForAgentOptions = {}): Promise<AgentInfo> {
    try {
      checkAgentId(id);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.waiters.wait((agent) => agent.id === id, options, `agent ${id}`);
  }

  /** Typed clients of agent `id`'s services; usable before the agent is online. */
  agent(id: string): AgentHandle {
    checkAgentId(id);
    let handle = this.handles.get(id);
    if (handle === undefined) {
      handle = new AgentHandle(id, (agentId) => this.registry.get(agentId), (agentId, signal) => this.callLinks.open(agentId, signal), this.options.channel ?? {});
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
    const link = this.links.table.get(context.peer);
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
   * host), listeners and dialers stop, calls in progress get `graceMs` (default 5000; Infinity:
   * as long as they take; at most 2^31-1 ms otherwise) to finish, and waits for agents reject.
   * Idempotent: later calls return the same promise. A `graceMs` that is not 0 or more (NaN,
   * negative) rejects with a RangeError (ERR_OUT_OF_RANGE) and changes nothing.
   */
  close(graceMs = 5000): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    try {
      // Checked before anything changes: a bad grace leaves the host serving, not half-closed.
      checkGraceMs('AgentHost#close: graceMs', graceMs);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    this.closing = this.drainAndClose(graceMs);
    return this.closing;
  }

  private async drainAndClose(graceMs: number): Promise<void> {
    const timerMs = graceTimerMs(graceMs);
    const deadline = timerMs === undefined ? Infinity : Date.now() + timerMs;
    const left = (): number => Math.max(0, deadline - Date.now());
    this.closeSignal.abort(new RpcError(Status.UNAVAILABLE, 'the agent host is closing'));
    this.waiters.close((what) => Object.assign(new Error(`the agent host closed while waiting for ${what}`), { code: 'ERR_AGENT_HOST_CLOSED' }));
    this.router.drain();
    const sessions = this.registry.list().flatMap((agent) => this.registry.sessionOf(agent.id) ?? []);
    for (const session of sessions) {
      session.drain('host-closed', graceMs);
      this.registry.draining(session);
    }
    // New calls to agents fail now (UNAVAILABLE); those in progress finish on their call links.
    for (const handle of this.handles.values()) handle.close();
    await this.links.stopAccepting();
    await withTimeout(this.callLinks.idle(), left(), () => new Error('grace')).catch(() => undefined);
    for (const session of sessions) session.end('host-closed');
    this.handles.clear();
    // Sessions end after their Drain is written; calls on other links get GOAWAY and the rest of the grace.
    await withTimeout(Promise.all([...this.activeSessions]), left(), () => new Error('grace')).catch(() => undefined);
    await this.links.drain(left());
    this.registry.clear();
  }
}
