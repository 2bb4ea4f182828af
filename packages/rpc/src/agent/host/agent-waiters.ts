/**
 * Waits for an agent to come online (AgentHost#waitFor and #connect): each wait is bounded by
 * a timeout and an optional signal, and every wait still pending is rejected when the host
 * closes, so no caller waits on a host that is gone. All waits share one `online` listener on
 * the host (hundreds of gateway callers waiting are not hundreds of listeners).
 */
import { checkTimerMs } from '@vmrpc/transport';
import type { AgentInfo } from './agent-info';

/** Bounds of a wait for an agent. */
export interface WaitForAgentOptions {
  signal?: AbortSignal;
  /** Default 30000 ms; 1 to 2^31-1 (a Node timer). */
  timeoutMs?: number;
}

/** Where 'online' events come from (the host). */
interface OnlineEvents {
  on(event: 'online', listener: (agent: AgentInfo) => void): unknown;
  removeListener(event: 'online', listener: (agent: AgentInfo) => void): unknown;
}

interface Waiter {
  what: string;
  match(agent: AgentInfo): boolean;
  resolve(agent: AgentInfo): void;
  fail(error: Error): void;
}

/** The wait `options` ask for: 30 s by default, 0 (do not wait) or a duration a Node timer holds. */
export function waitTimeoutMs(options: WaitForAgentOptions): number {
  if (options.timeoutMs === undefined) return 30_000;
  return options.timeoutMs === 0 ? 0 : checkTimerMs('options.timeoutMs', options.timeoutMs);
}

export class AgentWaiters {
  private readonly pending = new Set<Waiter>();
  private closedWith: ((what: string) => Error) | undefined;
  private readonly onOnline = (agent: AgentInfo): void => {
    for (const waiter of [...this.pending]) if (waiter.match(agent)) waiter.resolve(agent);
  };

  constructor(
    private readonly events: OnlineEvents,
    private readonly online: () => AgentInfo[],
  ) {}

  /** Resolves with the first online agent that `match`es (at once if one is); `what` names it in errors. */
  wait(match: (agent: AgentInfo) => boolean, options: WaitForAgentOptions, what: string): Promise<AgentInfo> {
    let timeoutMs: number;
    try {
      timeoutMs = waitTimeoutMs(options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith(what));
    // An agent already online is the answer, however short the wait or aborted its signal.
    const now = this.online().find(match);
    if (now !== undefined) return Promise.resolve(now);
    const signal = options.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<AgentInfo>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(waiter);
        if (this.pending.size === 0) this.events.removeListener('online', this.onOnline);
      };
      const waiter: Waiter = {
        what,
        match,
        resolve: (agent) => {
          done();
          resolve(agent);
        },
        fail: (error) => {
          done();
          reject(error);
        },
      };
      const onAbort = (): void => waiter.fail(signal!.reason as Error);
      const timer = setTimeout(() => waiter.fail(Object.assign(new Error(`${what} did not come online within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.pending.size === 0) this.events.on('online', this.onOnline);
      this.pending.add(waiter);
    });
  }

  /** Rejects every pending wait, and every later one, with `closed(what)`. */
  close(closed: (what: string) => Error): void {
    this.closedWith = closed;
    for (const waiter of [...this.pending]) waiter.fail(closed(waiter.what));
  }
}
