/**
 * GuestAgent: the guest side's public API and its reconnect loop. It reaches the host over a
 * route (session-route.ts: dialing the host, or listening until the host dials) and runs one
 * GuestSession at a time over it (guest-session.ts: registration, heartbeats, host messages,
 * call links), with jittered backoff between sessions; close() drains the live session.
 * docs/agents.md has the protocol.
 */
import { EventEmitter } from 'node:events';
import { formatTarget, parseTarget, type VmAddress } from '@vmrpc/native';
import { Backoff, type SocketFactory } from '@vmrpc/transport';
import { RpcError, Status } from '../../errors';
import { toMetadata } from '../../metadata';
import { createClient, type Client, type ClientOptions } from '../../client/create-client';
import { createServingServer, type RpcServer, type ServiceImplementation } from '../../server/create-server';
import type { ServiceDescriptor } from '../../descriptor';
import { AGENT_ID_METADATA, DEFAULT_HOST_TARGET } from '../protocol/version';
import { checkAgentId, descriptionProblem } from '../protocol/registration';
import { serviceNamesOf } from '../protocol/service-names';
import { refuse } from '../link/preface';
import { logTo } from '../util/logger';
import { delay } from '../util/timers';
import { CallLinkServer } from './call-link-server';
import { channelReady } from './channel-ready';
import { FirstRegistration } from './first-registration';
import { checkGraceMs } from '../util/grace';
import { GuestSession } from './guest-session';
import { checkGuestOptions, checkRegistrationFields, type CheckedGuestOptions } from './option-checks';
import { registerMessage, type AgentRegistration } from './registration';
import { dialingRoute, listeningRoute, type RouteOptions, type SessionRoute } from './session-route';
import type { AgentConnectOptions, AgentListenOptions, GuestAgentEvents, GuestAgentOptions, GuestAgentState } from './options';
import { emitToUser } from '../util/emit-to-user';

export type { AgentRegistration } from './registration';
export type { AgentConnectOptions, AgentListenOptions, GuestAgentEvents, GuestAgentOptions, GuestAgentState } from './options';

// Answers that will not change by trying again: the agent stops. ALREADY_EXISTS: another agent
// process with the same id took this agent's session over (docs/agents.md, "One id, one agent").
const FINAL_CODES = new Set<number>([Status.INVALID_ARGUMENT, Status.FAILED_PRECONDITION, Status.PERMISSION_DENIED, Status.UNIMPLEMENTED, Status.UNAUTHENTICATED, Status.ALREADY_EXISTS]);
/** A host needs one call link per channel; a few more cover reconnects that overlap. */
const MAX_CALL_LINKS = 16;

/**
 * The guest side of agents: registers with a host, serves its services to the host over links
 * the guest opens (or the host dials), and keeps the session alive across restarts of either side.
 */
export class GuestAgent extends EventEmitter<GuestAgentEvents> {
  readonly id: string;
  private name: string;
  private labels: Record<string, string>;
  private readonly services = new Set<string>();
  private readonly server: RpcServer;
  private readonly callLinks: CallLinkServer;
  private readonly log;
  /** Aborted when the agent stops: ends every wait of the loop. */
  private readonly lifetime = new AbortController();
  private route: SessionRoute | undefined;
  private starting = false;
  private session: GuestSession | undefined;
  private currentState: GuestAgentState = 'idle';
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private firstRegistration: FirstRegistration | undefined;
  private readonly checked: CheckedGuestOptions;

  constructor(private readonly options: GuestAgentOptions) {
    super();
    this.id = checkAgentId(options.id, 'options.id');
    this.name = options.name ?? options.id;
    this.labels = { ...options.labels };
    const problem = descriptionProblem({ name: this.name, labels: this.labels, services: [] });
    if (problem !== undefined) throw new TypeError(`GuestAgent options: ${problem}`);
    checkRegistrationFields(options, this.name, this.labels);
    this.checked = checkGuestOptions(options);
    const server = createServingServer(options.server);
    this.server = server;
    this.callLinks = new CallLinkServer(server);
    this.log = logTo(options.logger, `vmrpc agent ${this.id}`);
    if (this.callLinks.grpcFallback !== undefined) this.log('info', `calls are served by grpc-js: ${this.callLinks.grpcFallback}`);
  }

  get state(): GuestAgentState {
    return this.currentState;
  }

  /** The current registration, while registered. */
  get registration(): AgentRegistration | undefined {
    return this.session?.registration;
  }

  /** Serves `service` to the host. Services added after registering are announced with an update. */
  add<S extends ServiceDescriptor>(service: S, implementation: ServiceImplementation<S>): this {
    this.server.add(service, implementation);
    for (const name of serviceNamesOf(service)) this.services.add(name);
    this.sendUpdate();
    return this;
  }

  /** Replaces the name and labels the host sees (sent at once when registered). */
  update(changes: { name?: string; labels?: Record<string, string> }): void {
    const name = changes.name ?? this.name;
    const labels = changes.labels === undefined ? this.labels : { ...changes.labels };
    const problem = descriptionProblem({ name, labels, services: [...this.services] });
    if (problem !== undefined) throw new TypeError(`GuestAgent#update: ${problem}`);
    this.name = name;
    this.labels = labels;
    this.sendUpdate();
  }

  /**
   * Dials the host at `target` (default `vsock:2:22093`; a string, a VmAddress, or a socket
   * factory) and keeps a session with it until close(). Resolves at the first registration;
   * rejects if the host refuses for good (PERMISSION_DENIED, INVALID_ARGUMENT,
   * FAILED_PRECONDITION, ALREADY_EXISTS) or `signal` aborts.
   */
  connect(target: string | VmAddress | SocketFactory = DEFAULT_HOST_TARGET, options: AgentConnectOptions = {}): Promise<AgentRegistration> {
    let route: SessionRoute;
    try {
      this.startMode();
      route = dialingRoute(typeof target === 'string' ? parseTarget(target) : target, this.routeOptions());
    } catch (error) {
      this.starting = false;
      // A promise API reports bad input by rejecting, never by throwing.
      return Promise.reject(error as Error);
    }
    return this.start(route, options.signal);
  }

  /**
   * Listens on `target` (e.g. `vsock:any:5000`) for the host to dial (AgentHost#connect).
   * Resolves once listening; 'registered' follows when the host has dialed.
   */
  async listen(target: string | VmAddress, options: AgentListenOptions = {}): Promise<VmAddress> {
    this.startMode();
    let route: SessionRoute;
    try {
      route = await listeningRoute(target, {
        ...this.routeOptions(),
        authorize: options.authorize,
        dataPath: options.dataPath,
        onCallLink: (link, sessionId, token) => {
          const session = this.session;
          if (session === undefined) return refuse(link.socket, 'no such session');
          session.acceptCallLink(link, sessionId, token);
        },
        onDirectCall: options.directCalls === true ? (link) => this.callLinks.serve(link.socket, link.peer) : undefined,
        onRefused: (address, reason) => this.log('warn', `connection refused: ${reason}`, { address: address === undefined ? undefined : formatTarget(address) }),
      });
    } catch (error) {
      this.starting = false;
      throw error;
    }
    void this.start(route, undefined).catch(() => undefined);
    return route.address() ?? (typeof target === 'string' ? parseTarget(target) : target);
  }

  /** A typed client of a service the host serves to agents (AgentHost#add), over the session's link. */
  hostClient<S extends ServiceDescriptor>(service: S, options: Pick<ClientOptions, 'defaultCallOptions'> = {}): Client<S> {
    if (this.route === undefined) throw new Error('hostClient() needs connect() or listen() first');
    const defaults = options.defaultCallOptions ?? {};
    const metadata = toMetadata(defaults.metadata);
    metadata.set(AGENT_ID_METADATA, this.id);
    return createClient(service, this.route.channel, { defaultCallOptions: { ...defaults, metadata } });
  }

  /**
   * Drains and stops: tells the host (no new calls), lets the host's calls in progress finish
   * for up to `graceMs` (default 5000; Infinity: as long as they take; at most 2^31-1 ms
   * otherwise), ends the session (the host reports `shutdown`), closes. Idempotent: later calls
   * return the same promise. A graceMs that is not 0 or more (NaN, negative) rejects with a
   * RangeError and changes nothing.
   */
  close(graceMs = 5000): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    try {
      // Checked before anything changes: a bad grace leaves the agent running, not half-closed.
      checkGraceMs('GuestAgent#close: graceMs', graceMs);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    this.closing = this.drainAndStop(graceMs);
    return this.closing;
  }

  // ---- the session loop ----

  private async drainAndStop(graceMs: number): Promise<void> {
    if (this.currentState === 'closed') return;
    this.currentState = 'draining';
    const session = this.session;
    if (session !== undefined) await session.drain(graceMs, this.loop ?? Promise.resolve());
    else await this.callLinks.drain(0);
    this.shutdown(undefined);
  }

  private get stopping(): boolean {
    return this.lifetime.signal.aborted || this.closing !== undefined;
  }

  private startMode(): void {
    if (this.currentState === 'closed' || this.closing !== undefined) throw new Error('the agent is closed');
    if (this.starting) throw new Error('the agent is already connecting or listening');
    this.starting = true;
  }

  private routeOptions(): RouteOptions {
    const backoff = this.checked.reconnect;
    return {
      channel: this.options.channel,
      connect: this.options.connect,
      handshakeTimeoutMs: this.checked.registrationTimeoutMs,
      grpcBackoff: { 'grpc.initial_reconnect_backoff_ms': backoff.initialMs ?? 250, 'grpc.max_reconnect_backoff_ms': backoff.maxMs ?? 5000 },
    };
  }

  private start(route: SessionRoute, signal: AbortSignal | undefined): Promise<AgentRegistration> {
    this.route = route;
    this.firstRegistration = new FirstRegistration(signal);
    this.loop = this.runSessions(route);
    return this.firstRegistration.promise;
  }

  private async runSessions(route: SessionRoute): Promise<void> {
    const backoff = new Backoff(this.checked.reconnect, 'GuestAgent options.reconnect');
    let attempt = 0;
    while (!this.stopping) {
      this.currentState = 'connecting';
      let failure: Error;
      let registered = false;
      try {
        // The agent's loop paces attempts (and reports them), not the channel's own backoff.
        route.channel.resetConnectBackoff();
        await channelReady(route.channel, this.lifetime.signal, () => route.connectFailure());
        const session = this.newSession(route);
        failure = await session.run();
        registered = session.registration !== undefined;
      } catch (error) {
        failure = error as Error;
      }
      this.session = undefined;
      if (this.stopping) return;
      emitToUser(this, 'disconnected', failure);
      if (failure instanceof RpcError && FINAL_CODES.has(failure.code)) {
        this.log('error', `the host refused the agent: ${failure.message}`);
        return this.shutdown(failure);
      }
      if (registered) {
        backoff.reset();
        attempt = 0;
      }
      const delayMs = backoff.next();
      emitToUser(this, 'reconnecting', ++attempt, delayMs);
      this.log('info', `session ended (${failure.message}); reconnecting in ${Math.round(delayMs)} ms`);
      await delay(delayMs, this.lifetime.signal).catch(() => undefined);
    }
  }

  private newSession(route: SessionRoute): GuestSession {
    const session = new GuestSession({
      channel: route.channel,
      // The link the channel is connected over now is the one this session runs on.
      linkIdentity: route.linkIdentity(),
      register: registerMessage({ id: this.id, name: this.name, labels: this.labels, version: this.options.version ?? '', services: [...this.services], hostname: this.options.hostname }),
      registrationTimeoutMs: this.checked.registrationTimeoutMs,
      callLinks: this.callLinks,
      dialCallLink: route.dialCallLink,
      maxCallLinks: MAX_CALL_LINKS,
      log: this.log,
      stop: this.lifetime.signal,
      onRegistered: (registration) => {
        // close() may have begun while the answer was on its way: it drains this session.
        if (this.closing === undefined) this.currentState = 'registered';
        emitToUser(this, 'registered', registration);
        this.firstRegistration?.resolve(registration);
      },
      onHostDraining: (reason) => emitToUser(this, 'hostDraining', reason),
    });
    this.session = session;
    return session;
  }

  private sendUpdate(): void {
    this.session?.update({ $case: 'update', update: { name: this.name, labels: { ...this.labels }, services: [...this.services] } });
  }

  private shutdown(error: Error | undefined): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.lifetime.abort();
    this.firstRegistration?.reject(error ?? new Error('the agent was closed before it registered'));
    this.route?.close();
    void this.callLinks.drain(0);
    void this.server.close(0);
    emitToUser(this, 'close', error);
  }
}
