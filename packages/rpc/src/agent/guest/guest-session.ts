/**
 * GuestSession: one session of an agent with its host, over one session link. It owns what
 * belongs to that link and ends with it: the kernel identity of the link (for a listening agent,
 * the peer call links must come from), the registration and its link token, the outgoing half of
 * the Session stream, the heartbeat, and the call links opened or accepted for it. GuestAgent
 * runs one session at a time and makes a new one for every reconnect.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { VmChannel } from '@vmrpc/transport';
import { createClient } from '../../client/create-client';
import { durationFromMillis } from '../../codec/well-known';
import { AgentRegistryService, type AgentMessage, type HostMessage, type Register } from '../protocol/generated/vmrpc/agent/v1/agent';
import type { Link } from '../link/link-table';
import { refuse } from '../link/preface';
import { AsyncQueue } from '../util/async-queue';
import type { LogLevel } from '../util/logger';
import { withTimeout } from '../util/timers';
import type { CallLinkServer } from './call-link-server';
import { boundedGraceMs } from '../util/grace';
import { Heartbeat } from './heartbeat';
import { toRegistration, type AgentRegistration } from './registration';

export interface GuestSessionOptions {
  /** The agent's channel, connected (READY) over this session's link. */
  channel: VmChannel;
  /** The kernel identity of the session link, when the host dialed it (listening agents). */
  linkIdentity: string | undefined;
  register: Register;
  registrationTimeoutMs: number;
  callLinks: CallLinkServer;
  /** Dials a call link for this session (agents that dialed the host); undefined when the host dials them. */
  dialCallLink: ((sessionId: string, token: Buffer, signal: AbortSignal) => Promise<{ socket: Duplex; peer: string }>) | undefined;
  /** Most call links one session keeps open. */
  maxCallLinks: number;
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  /** Aborted when the agent stops: ends the session at once. */
  stop: AbortSignal;
  onRegistered(registration: AgentRegistration): void;
  onHostDraining(reason: string): void;
}

export class GuestSession {
  private readonly outgoing = new AsyncQueue<AgentMessage>();
  private readonly abort = new AbortController();
  private readonly links = new Set<Duplex>();
  private answered: Promise<unknown> | undefined;
  private heartbeat: Heartbeat | undefined;
  private token: Buffer | undefined;
  private draining = false;
  private registered: AgentRegistration | undefined;

  constructor(private readonly options: GuestSessionOptions) {}

  /** The host's answer, once it came. */
  get registration(): AgentRegistration | undefined {
    return this.registered;
  }

  /** Registers and runs the session until it ends; resolves with why it ended, rejects if registering failed. */
  async run(): Promise<Error> {
    const { channel, registrationTimeoutMs, stop } = this.options;
    const onStop = (): void => this.end();
    if (stop.aborted) onStop();
    stop.addEventListener('abort', onStop, { once: true });
    this.outgoing.push({ kind: { $case: 'register', register: this.options.register } });
    const responses = createClient(AgentRegistryService, channel).session(this.outgoing, { signal: this.abort.signal })[Symbol.asyncIterator]();
    try {
      const answer = withTimeout(responses.next(), registrationTimeoutMs, () => new Error(`the host did not answer the registration within ${registrationTimeoutMs} ms`));
      this.answered = answer.catch(() => undefined);
      const first = await answer;
      const registered = first.done === true ? undefined : first.value.kind?.$case === 'registered' ? first.value.kind.registered : undefined;
      if (registered === undefined) throw new Error('the host did not answer the registration with `registered`');
      const registration = toRegistration(registered);
      this.registered = registration;
      this.token = Buffer.from(registered.linkToken);
      this.startHeartbeat(registration);
      this.options.log('info', `registered as ${registration.peer}`, { session: registration.sessionId });
      this.options.onRegistered(registration);
      let drainReason: string | undefined;
      for (;;) {
        const next = await responses.next();
        if (next.done === true) return new Error(drainReason === undefined ? 'the host ended the session' : `the host is draining (${drainReason})`);
        this.heartbeat?.heard();
        drainReason = this.onHostMessage(next.value) ?? drainReason;
      }
    } catch (error) {
      const reason: unknown = this.abort.signal.reason;
      if (this.abort.signal.aborted && reason instanceof Error) return reason;
      throw error;
    } finally {
      stop.removeEventListener('abort', onStop);
      this.end();
    }
  }

  /** Sends an update of the agent's description. */
  update(update: NonNullable<AgentMessage['kind']> & { $case: 'update' }): void {
    if (this.registration !== undefined) this.outgoing.push({ kind: update });
  }

  /**
   * Drains: a registration still on its way lands first (the host counts it already), then the
   * host is told (no new calls), the call links get up to `graceMs` to finish their calls, and
   * the session stream ends; the host answers by ending its side, which ends run().
   */
  async drain(graceMs: number, ended: Promise<unknown>): Promise<void> {
    this.draining = true;
    if (this.registration === undefined && this.answered !== undefined) {
      await withTimeout(this.answered, Math.min(graceMs, 2000), () => new Error('registration')).catch(() => undefined);
    }
    if (this.registration === undefined) return this.end();
    this.options.log('info', `draining (grace ${graceMs} ms)`);
    this.outgoing.push({ kind: { $case: 'drain', drain: { reason: 'shutdown', grace: durationFromMillis(boundedGraceMs(graceMs)) } } });
    // The agent is closing: every link its server holds drains (direct calls too).
    await this.options.callLinks.drain(graceMs);
    this.outgoing.end();
    await withTimeout(ended, Math.min(graceMs, 2000), () => new Error('session end')).catch(() => undefined);
    this.end();
  }

  /**
   * Ends the session now (idempotent): the stream is cancelled, the heartbeat stops, and the
   * session's call links close (the host cannot use them once the session is gone, and a host
   * that stopped answering would otherwise keep them open).
   */
  end(reason?: Error): void {
    this.heartbeat?.stop();
    if (!this.abort.signal.aborted) this.abort.abort(reason);
    this.outgoing.end();
    for (const socket of this.links) socket.destroy();
  }

  /** A call link the host dialed for this session (listening agents): checked, then served. */
  acceptCallLink(link: Link, sessionId: string, token: Buffer): void {
    const expected = this.token;
    if (this.registration?.sessionId !== sessionId || expected === undefined || expected.length !== token.length || !timingSafeEqual(token, expected)) {
      return refuse(link.socket, 'no such session');
    }
    if (this.options.linkIdentity !== link.identity) return refuse(link.socket, 'call link from another peer than the session');
    if (this.draining) return refuse(link.socket, 'the agent is draining');
    if (this.abort.signal.aborted) return refuse(link.socket, 'the session has ended');
    link.socket.write('OK\n');
    this.serve(link.socket, link.peer);
  }

  private serve(socket: Duplex, peer: string): void {
    this.links.add(socket);
    socket.once('close', () => this.links.delete(socket));
    this.options.callLinks.serve(socket, peer);
  }

  private startHeartbeat(registration: AgentRegistration): void {
    const { heartbeatIntervalMs, heartbeatTimeoutMs } = registration;
    this.heartbeat = new Heartbeat(
      heartbeatIntervalMs,
      heartbeatTimeoutMs,
      (sequence) => this.outgoing.push({ kind: { $case: 'heartbeat', heartbeat: { sequence } } }),
      () => {
        this.options.channel.dropConnection(`no heartbeat from the host for ${heartbeatTimeoutMs} ms`);
        this.end(new Error('heartbeat timeout'));
      },
    );
  }

  /** Handles one host message; returns a drain reason when the host is going away. */
  private onHostMessage(message: HostMessage): string | undefined {
    const kind = message.kind;
    switch (kind?.$case) {
      case 'openCallLink':
        void this.openCallLink();
        return undefined;
      case 'drain':
        this.options.onHostDraining(kind.drain.reason);
        return kind.drain.reason || 'draining';
      default:
        // Heartbeats only prove the host is alive; kinds from a newer minor version are ignored.
        return undefined;
    }
  }

  private async openCallLink(): Promise<void> {
    const dial = this.options.dialCallLink;
    if (dial === undefined) return this.options.log('warn', 'the host asked a listening agent to dial a call link; ignored');
    // Draining: no new call links, so calls not yet started fail at the host with UNAVAILABLE.
    if (this.draining || this.registration === undefined || this.token === undefined) return;
    if (this.links.size >= this.options.maxCallLinks) return this.options.log('warn', `the host asked for more than ${this.options.maxCallLinks} call links; ignored`);
    try {
      const { socket, peer } = await dial(this.registration.sessionId, this.token, this.abort.signal);
      if (this.abort.signal.aborted) return void socket.destroy();
      this.serve(socket, peer);
    } catch (error) {
      if (!this.abort.signal.aborted) this.options.log('warn', `call link failed: ${(error as Error).message}`);
    }
  }
}
