/**
 * Keepalive pings of one HTTP/2 connection (grpc-js's `grpc.keepalive_*` semantics): every
 * `keepaliveTimeMs` a PING, while calls are active or always with `keepalivePermitWithoutCalls`;
 * a PING not acknowledged within `keepaliveTimeoutMs` fails the connection (a frozen or vanished
 * peer whose connection never closed stops holding calls). One implementation for the client's
 * connections on both HTTP/2 engines and the rpc server on the engine (which pings always, as
 * grpc-js's server does): each connection says how it pings, how many streams it has and how
 * it fails. Timers are unref'd.
 */

export interface KeepaliveOptions {
  /** Ping every this many ms (0: no keepalive). */
  keepaliveTimeMs: number;
  /** Fail the connection when a ping is not acknowledged within this many ms. */
  keepaliveTimeoutMs: number;
  /** Ping even when no call is active. */
  keepalivePermitWithoutCalls: boolean;
}

/** What keepalive needs of its connection. */
export interface PingedConnection {
  readonly isClosed: boolean;
  readonly activeStreams: number;
  /** Sends a PING; `callback` when it is acknowledged or the connection failed first. May throw. */
  ping(callback: (error: Error | null | undefined) => void): void;
  /** Fails the connection (its calls end with UNAVAILABLE). */
  destroy(error: Error): void;
}

export class Keepalive {
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly connection: PingedConnection,
    private readonly options: KeepaliveOptions,
  ) {}

  /** Arms the next ping unless one is armed (call it when the first stream of a quiet connection opens). */
  schedule(): void {
    if (this.options.keepaliveTimeMs <= 0 || this.keepaliveTimer !== undefined || this.stopped) return;
    this.keepaliveTimer = setTimeout(() => {
      this.keepaliveTimer = undefined;
      this.send();
    }, this.options.keepaliveTimeMs);
    this.keepaliveTimer.unref();
  }

  /** The connection ended: no more pings. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.keepaliveTimer);
    clearTimeout(this.pingTimer);
  }

  private send(): void {
    const connection = this.connection;
    if (connection.isClosed) return;
    if (connection.activeStreams === 0 && !this.options.keepalivePermitWithoutCalls) return;
    this.pingTimer = setTimeout(() => {
      connection.destroy(new Error(`keepalive ping not acknowledged within ${this.options.keepaliveTimeoutMs} ms`));
    }, this.options.keepaliveTimeoutMs);
    this.pingTimer.unref();
    try {
      connection.ping((error) => {
        clearTimeout(this.pingTimer);
        this.pingTimer = undefined;
        if (error) connection.destroy(error);
        else this.schedule();
      });
    } catch (error) {
      connection.destroy(error as Error);
    }
  }
}
