/**
 * Keepalive of one engine server connection, as grpc-js's server does it: a PING every `timeMs`,
 * and the connection ends when one stays unanswered for `timeoutMs` (a frozen or vanished peer
 * whose connection never closed stops holding calls). One timer per connection, unref'd.
 */
import type { H2Session } from '@vmrpc/transport';

function sendPing(keepalive: Keepalive): void {
  keepalive.ping();
}

function pingTimedOut(keepalive: Keepalive): void {
  keepalive.timedOut();
}

export class Keepalive {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly session: H2Session,
    private readonly timeMs: number,
    private readonly timeoutMs: number,
  ) {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  ping(): void {
    if (this.stopped || this.session.closed) return;
    this.timer = setTimeout(pingTimedOut, this.timeoutMs, this).unref();
    this.session.ping((error) => {
      clearTimeout(this.timer);
      if (error === undefined) this.schedule();
    });
  }

  timedOut(): void {
    if (this.stopped) return;
    this.session.destroy(new Error(`keepalive: no answer to a PING within ${this.timeoutMs} ms`));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(sendPing, this.timeMs, this).unref();
  }
}
