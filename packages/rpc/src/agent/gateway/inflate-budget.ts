/**
 * What one caller connection may hold of inflated request messages: a compressed message of a
 * few KiB can inflate to the message limit, so without a bound a caller with many streams would
 * make the host hold a message limit per stream for every few KiB it sends. A message is inflated
 * only once its worst case (the message limit) fits the connection's budget; once inflated, it
 * holds its real size until the channel took it (its write callback). Grants go in the order
 * asked, so a stream is not passed over for ever by others asking again.
 */
import type { Http2Session } from 'node:http2';

export class InflateBudget {
  private used = 0;
  private readonly waiting: Array<{ bytes: number; grant(): void }> = [];

  constructor(readonly limit: number) {}

  /**
   * Resolves true once `bytes` (at most the limit) are held for the caller, or false when
   * `signal` aborts first (the call ended: it stops waiting, and holds nothing).
   */
  acquire(bytes: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        bytes,
        grant: (): void => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        },
      };
      const onAbort = (): void => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(false);
        // A large waiter leaving may let smaller ones behind it through.
        this.grantWaiting();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.grantWaiting();
    });
  }

  /** Gives `bytes` back. */
  release(bytes: number): void {
    this.used -= bytes;
    this.grantWaiting();
  }

  private grantWaiting(): void {
    for (let next = this.waiting[0]; next !== undefined && this.used + next.bytes <= this.limit; next = this.waiting[0]) {
      this.waiting.shift();
      this.used += next.bytes;
      next.grant();
    }
  }
}

const budgets = new WeakMap<Http2Session, InflateBudget>();

/** Gives the caller connection `session` its budget (the gateway router, as it opens the connection). */
export function setInflateBudget(session: Http2Session, limit: number): void {
  budgets.set(session, new InflateBudget(limit));
}

/** The budget of the connection `session`; a connection without one gets one message's worth of its own. */
export function inflateBudgetOf(session: Http2Session | undefined, maxMessageBytes: number): InflateBudget {
  let budget = session === undefined ? undefined : budgets.get(session);
  if (budget === undefined) {
    budget = new InflateBudget(maxMessageBytes);
    if (session !== undefined) budgets.set(session, budget);
  }
  return budget;
}
