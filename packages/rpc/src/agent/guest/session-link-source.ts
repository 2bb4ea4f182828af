/**
 * For an agent that listens: session links arrive when the host dials, and the agent's session
 * channel takes them one at a time as its connections. A newer link replaces one not yet taken
 * (the host dialed again). The link the channel took last is the one its session runs on: its
 * identity is the session's, whatever arrives after it.
 */
import type { Duplex } from 'node:stream';
import type { Link } from '../link/link-table';

export class SessionLinkSource {
  private pending: Link | undefined;
  private waiter: ((link: Link) => void) | undefined;
  private current: Link | undefined;

  /** The link the channel took last (the one a session opened now runs on). */
  get taken(): Link | undefined {
    return this.current;
  }

  offer(link: Link): void {
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      return waiter(link);
    }
    this.pending?.socket.destroy();
    this.pending = link;
  }

  /** The channel's socket factory: the next link, whenever the host dials. */
  next(signal: AbortSignal): Promise<Duplex> {
    const pending = this.pending;
    if (pending !== undefined && !pending.socket.destroyed) {
      this.pending = undefined;
      return Promise.resolve(this.take(pending));
    }
    return new Promise<Duplex>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.waiter === take) this.waiter = undefined;
        reject(new Error('waiting for the host to dial was cancelled'));
      };
      const take = (link: Link): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.take(link));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = take;
    });
  }

  close(): void {
    this.pending?.socket.destroy();
    this.pending = undefined;
  }

  private take(link: Link): Duplex {
    this.current = link;
    return link.socket;
  }
}
