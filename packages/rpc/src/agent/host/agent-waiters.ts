/**
 * Waits for an agent to come online (AgentHost#waitFor and #connect): each wait is bounded by
 * a timeout and an optional signal, and every wait still pending is rejected when the host
 * closes, so no caller waits on a host that is gone.
 */
import type { AgentInfo } from './agent-info';

/** Bounds of a wait for an agent. */
export interface WaitForAgentOptions {
  signal?: AbortSignal;
  /** Default 30000 ms. */
  timeoutMs?: number;
}

/** Where 'online' events come from (the host). */
interface OnlineEvents {
  on(event: 'online', listener: (agent: AgentInfo) => void): unknown;
  removeListener(event: 'online', listener: (agent: AgentInfo) => void): unknown;
}

export class AgentWaiters {
  private readonly pending = new Map<(error: Error) => void, string>();
  private closedWith: ((what: string) => Error) | undefined;

  constructor(
    private readonly events: OnlineEvents,
    private readonly online: () => AgentInfo[],
  ) {}

  /** Resolves with the first online agent that `match`es (at once if one is); `what` names it in errors. */
  wait(match: (agent: AgentInfo) => boolean, options: WaitForAgentOptions, what: string): Promise<AgentInfo> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith(what));
    const now = this.online().find(match);
    if (now !== undefined) return Promise.resolve(now);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const signal = options.signal;
    return new Promise<AgentInfo>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.events.removeListener('online', onOnline);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(fail);
      };
      const fail = (error: Error): void => {
        done();
        reject(error);
      };
      const onOnline = (agent: AgentInfo): void => {
        if (!match(agent)) return;
        done();
        resolve(agent);
      };
      const onAbort = (): void => fail(signal!.reason as Error);
      const timer = setTimeout(() => fail(Object.assign(new Error(`${what} did not come online within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      if (signal?.aborted === true) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.events.on('online', onOnline);
      this.pending.set(fail, what);
    });
  }

  /** Rejects every pending wait, and every later one, with `closed(what)`. */
  close(closed: (what: string) => Error): void {
    this.closedWith = closed;
    for (const [fail, what] of [...this.pending]) fail(closed(what));
  }
}
