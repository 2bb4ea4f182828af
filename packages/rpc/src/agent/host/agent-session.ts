/**
 * One registered session on the host: the outgoing half of the Session stream, the heartbeat
 * watchdog, and the call links the host asked the agent for. A session ends once, for one
 * reason; ending it fails everything that waits on it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { RpcError, Status } from '../../errors';
import { durationFromMillis } from '../../codec/well-known';
import type { HostMessage } from '../protocol/generated/vmrpc/agent/v1/agent';
import type { Link } from '../link/link-table';
import { AsyncQueue } from '../util/async-queue';
import { boundedGraceMs } from '../util/grace';
import type { OfflineReason } from './agent-info';

interface PendingLink {
  resolve(socket: Duplex): void;
  reject(error: Error): void;
}

export class AgentSession {
  readonly id = randomBytes(12).toString('base64url');
  readonly token = randomBytes(32);
  readonly outgoing = new AsyncQueue<HostMessage>();
  lastSeen = Date.now();
  private ended: OfflineReason | undefined;
  private readonly pendingLinks = new Map<bigint, PendingLink>();
  private nextRequestId = 1n;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly endListeners: ((reason: OfflineReason) => void)[] = [];

  constructor(
    readonly agentId: string,
    /** The link the session runs on (its identity is the agent's). */
    readonly link: Link,
    private readonly heartbeatTimeoutMs: number,
  ) {}

  get endReason(): OfflineReason | undefined {
    return this.ended;
  }

  /** Starts the watchdog: the session ends when nothing arrives for the heartbeat timeout. */
  startWatchdog(): void {
    const check = (): void => {
      const quiet = Date.now() - this.lastSeen;
      if (quiet >= this.heartbeatTimeoutMs) {
        this.end('heartbeat-timeout', new RpcError(Status.UNAVAILABLE, `no heartbeat from agent ${this.agentId} for ${quiet} ms`));
        // A frozen peer keeps its socket; the host does not keep it for it.
        this.link.socket.destroy();
        return;
      }
      this.heartbeatTimer = setTimeout(check, this.heartbeatTimeoutMs - quiet);
      this.heartbeatTimer.unref();
    };
    this.heartbeatTimer = setTimeout(check, this.heartbeatTimeoutMs);
    this.heartbeatTimer.unref();
  }

  touch(): void {
    this.lastSeen = Date.now();
  }

  /** Calls `listener` when the session ends (at once if it has); returns a function that unsubscribes it. */
  onEnd(listener: (reason: OfflineReason) => void): () => void {
    if (this.ended !== undefined) {
      listener(this.ended);
      return () => undefined;
    }
    this.endListeners.push(listener);
    return () => {
      const index = this.endListeners.indexOf(listener);
      if (index >= 0) this.endListeners.splice(index, 1);
    };
  }

  /** Asks the agent to dial a call link; resolves with it, bounded by `timeoutMs` and `signal`. */
  requestCallLink(timeoutMs: number, signal: AbortSignal): Promise<Duplex> {
    if (this.ended !== undefined) return Promise.reject(new Error(`agent ${this.agentId} session ended (${this.ended})`));
    const requestId = this.nextRequestId++;
    return new Promise<Duplex>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.pendingLinks.delete(requestId);
      };
      const onAbort = (): void => {
        settle();
        reject(new Error('call link request cancelled'));
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`agent ${this.agentId} did not open a call link within ${timeoutMs} ms`));
      }, timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.pendingLinks.set(requestId, {
        resolve: (socket) => {
          settle();
          resolve(socket);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      this.outgoing.push({ kind: { $case: 'openCallLink', openCallLink: { requestId } } });
    });
  }

  /** True when `token` is this session's (constant time). */
  tokenMatches(token: Buffer): boolean {
    return token.length === this.token.length && timingSafeEqual(token, this.token);
  }

  /** True while a call link request waits for its link. */
  get awaitsCallLink(): boolean {
    return this.pendingLinks.size > 0;
  }

  /** Hands an arriving call link to the oldest request; false when none waits (unsolicited). */
  deliverCallLink(socket: Duplex): boolean {
    const first = this.pendingLinks.values().next();
    if (first.done === true) return false;
    first.value.resolve(socket);
    return true;
  }

  /** Tells the agent the host is going away (it reconnects after its backoff). */
  drain(reason: string, graceMs: number): void {
    // An infinite grace (no timer) is sent as the longest one a Node timer holds.
    this.outgoing.push({ kind: { $case: 'drain', drain: { reason, grace: durationFromMillis(boundedGraceMs(graceMs)) } } });
  }

  /**
   * Ends the session: with `error` the Session call fails with it, otherwise it completes
   * (after what is queued, e.g. a Drain). Idempotent; the first reason wins.
   */
  end(reason: OfflineReason, error?: Error): void {
    if (this.ended !== undefined) return;
    this.ended = reason;
    clearTimeout(this.heartbeatTimer);
    for (const pending of [...this.pendingLinks.values()]) pending.reject(new Error(`agent ${this.agentId} went offline (${reason})`));
    if (error !== undefined) this.outgoing.fail(error);
    else this.outgoing.end();
    for (const listener of this.endListeners.splice(0)) listener(reason);
  }
}
