/**
 * For an agent that listens: session links arrive when the host dials, and the agent's session
 * channel takes them one at a time as its connections. A newer link replaces one not yet taken
 * (the host dialed again).
 */
import type { Duplex } from 'node:stream';

export class SessionLinkSource {
  private pending: Duplex | undefined;
  private waiter: ((socket: Duplex) => void) | undefined;

  offer(socket: Duplex): void {
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      return waiter(socket);
    }
    this.pending?.destroy();
    this.pending = socket;
  }

  /** The channel's socket factory: the next link, whenever the host dials. */
  next(signal: AbortSignal): Promise<Duplex> {
    const pending = this.pending;
    if (pending !== undefined && !pending.destroyed) {
      this.pending = undefined;
      return Promise.resolve(pending);
    }
    return new Promise<Duplex>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.waiter === take) this.waiter = undefined;
        reject(new Error('waiting for the host to dial was cancelled'));
      };
      const take = (socket: Duplex): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(socket);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = take;
    });
  }

  close(): void {
    this.pending?.destroy();
    this.pending = undefined;
  }
}
