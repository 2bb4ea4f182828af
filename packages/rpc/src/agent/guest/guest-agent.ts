/**
 * GuestAgent: the guest side. It registers with a host (by dialing it, or by listening until the
 * host dials), serves its services to the host over links the host needs no route for, sends
 * heartbeats, reconnects with jittered backoff (re-registering after a host restart), and
 * drains gracefully on close(). docs/agents.md has the protocol.
 */
import { timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { connect, formatTarget, parseTarget, type ConnectOptions, type DataPathOption, type VmAddress } from '@vmrpc/native';
import { Backoff, createChannel, type BackoffOptions, type SocketFactory, type VmChannel, type VmChannelOptions } from '@vmrpc/transport';
import { RpcError, Status } from '../../errors';
import { toMetadata } from '../../metadata';
import { createClient, type Client, type ClientOptions } from '../../client/create-client';
import { createServer, type RpcServer, type ServerOptions, type ServiceImplementation } from '../../server/create-server';
import type { ServiceDescriptor } from '../../descriptor';
import { durationFromMillis } from '../../codec/well-known';
import { AgentRegistryService, type AgentMessage, type HostMessage } from '../protocol/generated/vmrpc/agent/v1/agent';
import { AGENT_ID_METADATA, DEFAULT_HOST_TARGET } from '../protocol/version';
import { checkAgentId, descriptionProblem } from '../protocol/registration';
import { serviceNamesOf } from '../protocol/service-names';
import { dialLink } from '../link/dial-link';
import { LinkTable, type Link } from '../link/link-table';
import { listenForLinks, type LinkAuthorizer, type LinkListener } from '../link/link-listener';
import { refuse } from '../link/preface';
import { AsyncQueue } from '../util/async-queue';
import { logTo, type AgentLogger } from '../util/logger';
import { delay, withTimeout } from '../util/timers';
import { CallLinkServer } from './call-link-server';
import { Heartbeat } from './heartbeat';
import { registerMessage, toRegistration, type AgentRegistration } from './registration';

export type { AgentRegistration } from './registration';
import { channelReady } from './channel-ready';
import { SessionLinkSource } from './session-link-source';

/** Options of {@link GuestAgent}: who it is, and how it reaches and serves its host. */
export interface GuestAgentOptions {
  /** Unique per host: letters, digits and . _ : @ - (e.g. the VM's name). */
  id: string;
  name?: string;
  labels?: Record<string, string>;
  /** The agent software's version. */
  version?: string;
  /** Reported to the host; default os.hostname(). */
  hostname?: string;
  /** Backoff between session attempts. Default 250 ms growing to 5000 ms, +/-20% jitter. */
  reconnect?: BackoffOptions;
  /** How long the host may take to answer a registration, and a link its preface. Default 10000 ms. */
  registrationTimeoutMs?: number;
  /** How the agent dials the host (connectTimeout, toHost, dataPath, ...). */
  connect?: Omit<ConnectOptions, 'signal'>;
  /** Options of the agent's gRPC server (message size limits, ...). */
  server?: ServerOptions;
  /** Options of the channel to the host (message size limits, ...). */
  channel?: Omit<VmChannelOptions, 'connect'>;
  logger?: AgentLogger;
}

/** Options of {@link GuestAgent.listen}. */
export interface AgentListenOptions {
  /** Decides, before any byte is read, whether a peer may connect. Default: any peer that reaches the port. */
  authorize?: LinkAuthorizer;
  /** Also serve the agent's services to plain gRPC clients on this listener (e.g. `vmrpc call`). Default false. */
  directCalls?: boolean;
  dataPath?: DataPathOption;
}

/** Options of {@link GuestAgent.connect}. */
export interface AgentConnectOptions {
  /** Gives up waiting for the first registration (the agent keeps trying until close()). */
  signal?: AbortSignal;
}


/** Where the agent is in its life: `connecting` also covers the waits between attempts. */
export type GuestAgentState = 'idle' | 'connecting' | 'registered' | 'draining' | 'closed';

/** The events of {@link GuestAgent}. */
export interface GuestAgentEvents {
  /** Registered (again): the host can call the agent. */
  registered: [registration: AgentRegistration];
  /** The session ended; the agent reconnects unless it is closing or the error is final. */
  disconnected: [error: Error];
  /** The next session attempt starts after `delayMs`. */
  reconnecting: [attempt: number, delayMs: number];
  /** The host is going away (it closes or restarts). */
  hostDraining: [reason: string];
  /** The agent stopped: after close(), or with the error that made retrying pointless. */
  close: [error?: Error];
}

// Answers that will not change by trying again: the agent stops.
const FINAL_CODES = new Set<number>([Status.INVALID_ARGUMENT, Status.FAILED_PRECONDITION, Status.PERMISSION_DENIED, Status.UNIMPLEMENTED, Status.UNAUTHENTICATED]);
const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 5000 };
/** A host needs one call link per channel; a few more cover reconnects that overlap. */
const MAX_CALL_LINKS = 16;

interface LiveSession {
  readonly registration: AgentRegistration;
  readonly token: Uint8Array;
  readonly outgoing: AsyncQueue<AgentMessage>;
  /** The identity of the host-dialed session link (listening agents only). */
  readonly linkIdentity: string | undefined;
}

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
  private readonly lifetime = new AbortController();
  private channel: VmChannel | undefined;
  private hostTarget: VmAddress | SocketFactory | undefined;
  private listener: LinkListener | undefined;
  private readonly sessionLinks = new SessionLinkSource();
  private readonly links = new LinkTable(64);
  private sessionLinkIdentity: string | undefined;
  private live: LiveSession | undefined;
  private currentState: GuestAgentState = 'idle';
  private loop: Promise<void> | undefined;
  private lastConnectError: Error | undefined;
  /** Settles when the registration of the session being opened is answered (or not). */
  private registering: Promise<unknown> | undefined;
  private firstRegistration: { promise: Promise<AgentRegistration>; resolve(r: AgentRegistration): void; reject(e: Error): void } | undefined;

  constructor(private readonly options: GuestAgentOptions) {
    super();
    this.id = checkAgentId(options.id, 'options.id');
    this.name = options.name ?? options.id;
    this.labels = { ...options.labels };
    const problem = descriptionProblem({ name: this.name, labels: this.labels, services: [] });
    if (problem !== undefined) throw new TypeError(`GuestAgent options: ${problem}`);
    this.server = createServer(options.server);
    this.callLinks = new CallLinkServer(this.server);
    this.log = logTo(options.logger, `vmrpc agent ${this.id}`);
  }

  private get draining(): boolean {
    return this.currentState === 'draining';
  }

  get state(): GuestAgentState {
    return this.currentState;
  }

  /** The current registration, while registered. */
  get registration(): AgentRegistration | undefined {
    return this.live?.registration;
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
   * Dials the host at `target` (default `vsock:2:22093`) and keeps a session with it until
   * close(). Resolves at the first registration; rejects if the host refuses for good
   * (PERMISSION_DENIED, INVALID_ARGUMENT, FAILED_PRECONDITION) or `signal` aborts.
   */
  connect(target: string | VmAddress | SocketFactory = DEFAULT_HOST_TARGET, options: AgentConnectOptions = {}): Promise<AgentRegistration> {
    let address: VmAddress | SocketFactory;
    try {
      this.startMode();
      address = typeof target === 'string' ? parseTarget(target) : target;
    } catch (error) {
      // A promise API reports bad input by rejecting, never by throwing.
      return Promise.reject(error as Error);
    }
    this.hostTarget = address;
    this.channel = createChannel(
      (signal) => {
        const opening = typeof address === 'function' ? address(signal) : connect(address, { ...this.options.connect, signal });
        return opening.catch((error: Error) => {
          this.lastConnectError = error;
          throw error;
        });
      },
      { ...this.options.channel, grpc: { ...this.reconnectChannelOptions(), ...this.options.channel?.grpc } },
    );
    return this.start(options.signal);
  }

  /**
   * Listens on `target` (e.g. `vsock:any:5000`) for the host to dial (AgentHost#connect).
   * Resolves once listening; 'registered' follows when the host has dialed.
   */
  async listen(target: string | VmAddress, options: AgentListenOptions = {}): Promise<VmAddress> {
    this.startMode();
    this.listener = await listenForLinks(target, {
      table: this.links,
      handshakeTimeoutMs: this.options.registrationTimeoutMs ?? 10_000,
      authorize: options.authorize,
      dataPath: options.dataPath,
      onOpen: (link, opening) => {
        if (opening.kind === 'session') {
          link.socket.write('OK\n');
          this.sessionLinkIdentity = link.identity;
          return this.sessionLinks.offer(link.socket);
        }
        if (opening.kind === 'calls') return this.acceptCallLink(link, opening.sessionId, opening.token);
        if (options.directCalls === true) return this.callLinks.serve(link.socket, link.peer);
        refuse(link.socket, 'this agent serves calls on call links only');
      },
      onRefused: (address, reason) => this.log('warn', `connection refused: ${reason}`, { address }),
    });
    this.channel = createChannel((signal) => this.sessionLinks.next(signal), { ...this.options.channel, grpc: { ...this.reconnectChannelOptions(), ...this.options.channel?.grpc } });
    void this.start(undefined).catch(() => undefined);
    const address = this.listener.address();
    return address ?? (typeof target === 'string' ? parseTarget(target) : target);
  }

  /** A typed client of a service the host serves to agents (AgentHost#add), over the session's link. */
  hostClient<S extends ServiceDescriptor>(service: S, options: Pick<ClientOptions, 'defaultCallOptions'> = {}): Client<S> {
    if (this.channel === undefined) throw new Error('hostClient() needs connect() or listen() first');
    const defaults = options.defaultCallOptions ?? {};
    const metadata = toMetadata(defaults.metadata);
    metadata.set(AGENT_ID_METADATA, this.id);
    return createClient(service, this.channel, { defaultCallOptions: { ...defaults, metadata } });
  }

  /**
   * Drains and stops: tells the host (no new calls), lets the host's calls in progress finish
   * for up to `graceMs` (default 5000), ends the session (the host reports `shutdown`), closes.
   */
  async close(graceMs = 5000): Promise<void> {
    if (this.currentState === 'closed') return;
    this.currentState = 'draining';
    // A registration in flight may already count at the host: let it land, then drain it.
    if (this.live === undefined && this.registering !== undefined) {
      await withTimeout(this.registering, Math.min(graceMs, 2000), () => new Error('registration')).catch(() => undefined);
    }
    const live = this.live;
    if (live !== undefined) {
      this.log('info', `draining (grace ${graceMs} ms)`);
      live.outgoing.push({ kind: { $case: 'drain', drain: { reason: 'shutdown', grace: durationFromMillis(graceMs) } } });
      await this.callLinks.drain(graceMs);
      live.outgoing.end();
      // The host answers the end of the session by ending its side; bounded, as everything here.
      await withTimeout(this.loop ?? Promise.resolve(), Math.min(graceMs, 2000), () => new Error('session end')).catch(() => undefined);
    } else {
      await this.callLinks.drain(0);
    }
    this.shutdown(undefined);
  }

  // ---- the session loop ----

  private startMode(): void {
    if (this.channel !== undefined || this.listener !== undefined) throw new Error('the agent is already connecting or listening');
    if (this.currentState === 'closed') throw new Error('the agent is closed');
  }

  private reconnectChannelOptions(): Record<string, number> {
    const backoff = this.options.reconnect ?? DEFAULT_BACKOFF;
    return { 'grpc.initial_reconnect_backoff_ms': backoff.initialMs ?? 250, 'grpc.max_reconnect_backoff_ms': backoff.maxMs ?? 5000 };
  }

  private start(signal: AbortSignal | undefined): Promise<AgentRegistration> {
    let resolve!: (registration: AgentRegistration) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<AgentRegistration>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.firstRegistration = { promise, resolve, reject };
    signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    this.loop = this.runSessions();
    return promise;
  }

  private async runSessions(): Promise<void> {
    const backoff = new Backoff(this.options.reconnect ?? DEFAULT_BACKOFF);
    let attempt = 0;
    while (!this.lifetime.signal.aborted && !this.draining) {
      this.currentState = 'connecting';
      let registered = false;
      let failure: Error;
      try {
        failure = await this.runSession(() => {
          registered = true;
        });
      } catch (error) {
        failure = error as Error;
      }
      this.live = undefined;
      if (this.lifetime.signal.aborted || this.draining) return;
      this.emit('disconnected', failure);
      if (failure instanceof RpcError && FINAL_CODES.has(failure.code)) {
        this.log('error', `the host refused the agent: ${failure.message}`);
        return this.shutdown(failure);
      }
      if (registered) {
        backoff.reset();
        attempt = 0;
      }
      const delayMs = backoff.next();
      this.emit('reconnecting', ++attempt, delayMs);
      this.log('info', `session ended (${failure.message}); reconnecting in ${Math.round(delayMs)} ms`);
      await delay(delayMs, this.lifetime.signal).catch(() => undefined);
    }
  }

  /** One session: connect, register, heartbeats and host messages until it ends; returns why it ended. */
  private async runSession(onRegistered: () => void): Promise<Error> {
    const channel = this.channel!;
    // The agent's loop paces attempts (and reports them), not the channel's own backoff.
    channel.resetConnectBackoff();
    await channelReady(channel, this.lifetime.signal, () => this.lastConnectError ?? new Error('cannot connect to the host'));
    const outgoing = new AsyncQueue<AgentMessage>();
    outgoing.push({
      kind: { $case: 'register', register: registerMessage({ id: this.id, name: this.name, labels: this.labels, version: this.options.version ?? '', services: [...this.services], hostname: this.options.hostname }) },
    });
    const session = new AbortController();
    const stop = (): void => session.abort();
    this.lifetime.signal.addEventListener('abort', stop, { once: true });
    const responses = createClient(AgentRegistryService, channel).session(outgoing, { signal: session.signal })[Symbol.asyncIterator]();
    const timeoutMs = this.options.registrationTimeoutMs ?? 10_000;
    let heartbeat: Heartbeat | undefined;
    try {
      const answer = withTimeout(responses.next(), timeoutMs, () => new Error(`the host did not answer the registration within ${timeoutMs} ms`));
      this.registering = answer.catch(() => undefined);
      const first = await answer;
      const registered = first.done === true ? undefined : first.value.kind?.$case === 'registered' ? first.value.kind.registered : undefined;
      if (registered === undefined) throw new Error('the host did not answer the registration with `registered`');
      const live: LiveSession = { registration: toRegistration(registered), token: registered.linkToken, outgoing, linkIdentity: this.sessionLinkIdentity };
      this.live = live;
      // close() may have begun while the answer was on its way: it drains this session.
      if (!this.draining) this.currentState = 'registered';
      onRegistered();
      this.log('info', `registered as ${live.registration.peer}`, { session: live.registration.sessionId });
      this.emit('registered', live.registration);
      this.firstRegistration?.resolve(live.registration);

      const { heartbeatIntervalMs, heartbeatTimeoutMs } = live.registration;
      heartbeat = new Heartbeat(
        heartbeatIntervalMs,
        heartbeatTimeoutMs,
        (sequence) => outgoing.push({ kind: { $case: 'heartbeat', heartbeat: { sequence } } }),
        () => {
          channel.dropConnection(`no heartbeat from the host for ${heartbeatTimeoutMs} ms`);
          session.abort(new Error('heartbeat timeout'));
        },
      );

      let drainReason: string | undefined;
      for (;;) {
        const next = await responses.next();
        if (next.done === true) return new Error(drainReason === undefined ? 'the host ended the session' : `the host is draining (${drainReason})`);
        heartbeat.heard();
        drainReason = this.onHostMessage(next.value, live) ?? drainReason;
      }
    } catch (error) {
      if (session.signal.aborted && session.signal.reason instanceof Error) return session.signal.reason;
      throw error;
    } finally {
      heartbeat?.stop();
      this.lifetime.signal.removeEventListener('abort', stop);
      session.abort();
    }
  }

  /** Handles one host message; returns a drain reason when the host is going away. */
  private onHostMessage(message: HostMessage, live: LiveSession): string | undefined {
    const kind = message.kind;
    switch (kind?.$case) {
      case 'openCallLink':
        void this.openCallLink(live);
        return undefined;
      case 'drain':
        this.emit('hostDraining', kind.drain.reason);
        return kind.drain.reason || 'draining';
      default:
        // Heartbeats only prove the host is alive; kinds from a newer minor version are ignored.
        return undefined;
    }
  }

  private async openCallLink(live: LiveSession): Promise<void> {
    const target = this.hostTarget;
    if (target === undefined) return this.log('warn', 'the host asked a listening agent to dial a call link; ignored');
    // Draining: no new call links, so calls not yet started fail at the host with UNAVAILABLE.
    if (this.draining) return;
    if (this.callLinks.openLinks >= MAX_CALL_LINKS) return this.log('warn', `the host asked for more than ${MAX_CALL_LINKS} call links; ignored`);
    try {
      const socket = await dialLink<Duplex & { remoteVmAddress?: VmAddress }>(
        target,
        { kind: 'calls', sessionId: live.registration.sessionId, token: Buffer.from(live.token) },
        { signal: this.lifetime.signal, connect: this.options.connect, handshakeTimeoutMs: this.options.registrationTimeoutMs ?? 10_000 },
      );
      const peer = socket.remoteVmAddress ?? (typeof target === 'function' ? undefined : target);
      this.callLinks.serve(socket, peer === undefined ? 'custom' : formatTarget(peer));
    } catch (error) {
      this.log('warn', `call link failed: ${(error as Error).message}`);
    }
  }

  private acceptCallLink(link: Link, sessionId: string, token: Buffer): void {
    const live = this.live;
    const expected = live === undefined ? undefined : Buffer.from(live.token);
    if (live === undefined || live.registration.sessionId !== sessionId || expected === undefined || expected.length !== token.length || !timingSafeEqual(token, expected)) {
      return refuse(link.socket, 'no such session');
    }
    if (live.linkIdentity !== link.identity) return refuse(link.socket, 'call link from another peer than the session');
    link.socket.write('OK\n');
    this.callLinks.serve(link.socket, link.peer);
  }

  private sendUpdate(): void {
    this.live?.outgoing.push({ kind: { $case: 'update', update: { name: this.name, labels: { ...this.labels }, services: [...this.services] } } });
  }

  private shutdown(error: Error | undefined): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.lifetime.abort();
    this.firstRegistration?.reject(error ?? new Error('the agent was closed before it registered'));
    this.channel?.close();
    this.sessionLinks.close();
    void this.listener?.close();
    this.links.destroyAll();
    void this.server.close(0);
    this.emit('close', error);
  }
}
