/**
 * What every connection attempt shares, whatever the platform: a bound on the wait, an
 * AbortSignal, cancellation by the socket that waits for it, and exactly one settle() that
 * releases the timer and the abort listener and, on failure, closes the half-made socket.
 */
import { DEFAULT_CONNECT_TIMEOUT_MS } from './constants';
import { abortError, codedSystemError } from './errors';
import type { VmAddress } from './addresses';

/** A connected socket (an fd on Linux, a SOCKET handle on Windows) and what is known of its ends. */
export interface ConnectedFd {
  readonly fd: number;
  /** Undefined for unnamed peers (a Unix client socket that never bound a path). */
  readonly remote: VmAddress | undefined;
  readonly local: VmAddress | undefined;
}

/** Receives the outcome of an attempt: an error, or the connected socket. */
export type AttemptCallback = (error: Error | null, connected?: ConnectedFd) => void;

/** One connection attempt; call start() once, cancel() at any time. */
export interface ConnectAttempt {
  /** The signal of this attempt, if any. */
  readonly signal: AbortSignal | undefined;
  /** The target string being dialled. */
  readonly target: string;
  start(): Promise<ConnectedFd>;
  /**
   * As start(), but `done` runs straight from the event that settled the attempt (never before
   * startWith() returned), so an exception thrown by what it calls (a 'connect' or 'error'
   * listener) is an uncaught exception at once, as with node:net, not a promise rejection.
   */
  startWith(done: AttemptCallback): void;
  /** Ends the attempt with `error` (no effect once settled). */
  cancel(error: Error): void;
}

/** Options every attempt takes. */
export interface AttemptOptions {
  /** Milliseconds until the attempt fails with ETIMEDOUT; Infinity waits as long as the kernel does. */
  connectTimeout?: number;
  signal?: AbortSignal | undefined;
}

/** The shared half of an attempt; subclasses open the socket and call succeed() or fail(). */
export abstract class AttemptBase implements ConnectAttempt {
  /** The socket being connected; -1 before it exists and after it was handed on or closed. */
  protected fd = -1;
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  private onDone: AttemptCallback | undefined;
  /** True while startWith() runs: an outcome known by then is delivered on the next tick. */
  private starting = false;
  private readonly onAbort = (): void => this.fail(abortError(this.signal, `connect to ${this.target}`));

  constructor(
    readonly target: string,
    private readonly attemptOptions: AttemptOptions,
  ) {}

  get signal(): AbortSignal | undefined {
    return this.attemptOptions.signal;
  }

  /** True once the attempt succeeded or failed. */
  protected get settled(): boolean {
    return this.done;
  }

  start(): Promise<ConnectedFd> {
    return new Promise<ConnectedFd>((resolve, reject) => this.startWith((error, connected) => (error ? reject(error) : resolve(connected!))));
  }

  startWith(done: AttemptCallback): void {
    this.onDone = done;
    this.starting = true;
    try {
      const { signal } = this;
      if (signal?.aborted) return this.fail(abortError(signal, `connect to ${this.target}`));
      signal?.addEventListener('abort', this.onAbort, { once: true });
      const timeout = this.attemptOptions.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
      if (Number.isFinite(timeout)) {
        this.timer = setTimeout(
          () => this.fail(codedSystemError('ETIMEDOUT', 'connect', this.target, `no connection within ${timeout} ms`)),
          timeout,
        );
      }
      this.open(timeout);
    } finally {
      this.starting = false;
    }
  }

  cancel(error: Error): void {
    this.fail(error);
  }

  /** Creates the socket and starts connecting; `timeout` is the effective connectTimeout. */
  protected abstract open(timeout: number): void;

  /** Closes a socket this attempt gives up on. */
  protected abstract closeFd(fd: number): void;

  /** Releases what the subclass waits with (a poller); called once, when the attempt settles. */
  protected releaseWaiters(): void {}

  protected succeed(remote: VmAddress | undefined, local: VmAddress | undefined): void {
    if (this.done) return;
    this.settle();
    this.deliver(null, { fd: this.fd, remote, local });
  }

  protected fail(error: Error): void {
    if (this.done) return;
    this.settle();
    if (this.fd >= 0) this.closeFd(this.fd);
    this.fd = -1;
    this.deliver(error);
  }

  private deliver(error: Error | null, connected?: ConnectedFd): void {
    const done = this.onDone!;
    if (this.starting) process.nextTick(done, error, connected);
    else done(error, connected);
  }

  private settle(): void {
    this.done = true;
    this.releaseWaiters();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}
