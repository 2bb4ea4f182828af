/**
 * A grpc-js Channel (the `channelOverride` client option) over VM sockets: one HTTP/2
 * connection at a time, opened on demand, with connectivity states, jittered reconnect backoff,
 * keepalive, TLS through the channel credentials, and waitForReady vs fail-fast for calls.
 *
 * States: IDLE -> CONNECTING -> READY; a failed attempt -> TRANSIENT_FAILURE, then after the
 * backoff CONNECTING again while calls wait (else IDLE); a lost connection -> IDLE (and at once
 * CONNECTING if calls wait); close() -> SHUTDOWN.
 */
import { ChannelCredentials, connectivityState as State, status as Status, type ChannelInterface, type ChannelOptions, type Deadline } from '@grpc/grpc-js';
import { Backoff } from '../protocol/backoff';
import { VmCall } from './call';
import { DeadlineTimer } from '../protocol/deadline-timer';
import type { CallTransport, ChannelConnection, ConnectionWaiter, EngineStreamOpener, ParentCall, StreamOpener } from './call-transport';
import { checkCallInternals } from './grpc-internals';
import { EngineCall } from './engine-call';
import { ConnectionOpener } from './connection-opener';
import { connectFailure, connectionLost, NO_FAILURE, type ConnectFailure } from './connect-failure';
import { makeConnector, type ChannelTarget, type Connector } from './connector';
import { resolveHandshakeTimeout, resolveHttp2Engine, resolveOptions, type Http2Engine, type ResolvedChannelOptions, type VmChannelOptions } from './options';

export type { ConnectionWaiter } from './call-transport';

interface StateWatcher {
  from: State;
  callback: (error?: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** grpc-js does not export the channelz reference type by name. */
type ChannelzRef = ReturnType<ChannelInterface['getChannelzRef']>;

let nextChannelId = 1;
/** What requestConnection returns for a waiter it answered at once. */
const NOTHING_TO_CANCEL = (): void => undefined;

export class VmChannel implements ChannelInterface {
  readonly options: ResolvedChannelOptions;
  private readonly connector: Connector;
  private readonly opener: ConnectionOpener;
  private readonly backoff: Backoff;
  private readonly channelId = nextChannelId++;
  /** Which HTTP/2 implementation runs this channel's connections (and so which call class). */
  readonly http2: Http2Engine;
  private state: State = State.IDLE;
  private connection: ChannelConnection | undefined;
  private attempt: AbortController | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private readonly waiters = new Set<ConnectionWaiter<ChannelConnection>>();
  private watchers: StateWatcher[] = [];
  /** Why the last attempt failed (or the last connection was lost): what failing calls report. */
  private lastFailure: ConnectFailure = NO_FAILURE;
  private nextCallNumber = 1;
  /** What calls see of this channel (VmCall depends on the interface, not on VmChannel). */
  private readonly callTransport: CallTransport<ChannelConnection>;

  constructor(
    target: ChannelTarget,
    options: VmChannelOptions = {},
  ) {
    this.connector = makeConnector(target, options.connect ?? {}, options.name);
    this.options = resolveOptions(options.grpc);
    const credentials = options.credentials ?? ChannelCredentials.createInsecure();
    if (!(credentials instanceof ChannelCredentials)) throw new TypeError('options.credentials must be a grpc-js ChannelCredentials');
    checkCallInternals();
    this.backoff = new Backoff({ initialMs: this.options.initialBackoffMs, maxMs: this.options.maxBackoffMs });
    this.http2 = resolveHttp2Engine(options.http2, options.grpc);
    const opener = new ConnectionOpener({
      connector: this.connector,
      credentials,
      grpcOptions: (options.grpc ?? {}) as ChannelOptions,
      settings: this.options,
      engine: this.http2,
      handshakeTimeoutMs: resolveHandshakeTimeout(options.handshakeTimeoutMs),
    });
    this.opener = opener;
    this.callTransport = {
      peer: this.connector.name,
      settings: this.options,
      deadlines: new DeadlineTimer(),
      get callCredentials() {
        return opener.callCredentials;
      },
      requestConnection: (waiter) => this.requestConnection(waiter),
      lastConnectFailure: () => this.lastFailure.details || undefined,
    };
  }

  // ---- grpc-js Channel interface ----

  getTarget(): string {
    return this.connector.name;
  }

  getConnectivityState(tryToConnect: boolean): State {
    if (tryToConnect && this.state === State.IDLE) this.startConnecting();
    return this.state;
  }

  watchConnectivityState(currentState: State, deadline: Date | number, callback: (error?: Error) => void): void {
    if (this.state === State.SHUTDOWN) throw new Error('Channel has been shut down');
    if (currentState !== this.state) {
      process.nextTick(callback);
      return;
    }
    const watcher: StateWatcher = { from: currentState, callback, timer: undefined };
    const ms = (deadline instanceof Date ? deadline.getTime() : deadline) - Date.now();
    if (Number.isFinite(ms)) {
      watcher.timer = setTimeout(() => {
        this.watchers = this.watchers.filter((w) => w !== watcher);
        callback(new Error('Deadline passed without connectivity state change'));
      }, Math.max(ms, 0));
    }
    this.watchers.push(watcher);
  }

  getChannelzRef(): ChannelzRef {
    return { kind: 'channel', id: this.channelId, name: this.connector.name } as ChannelzRef;
  }

  createCall(method: string, deadline: Deadline, host: string | null | undefined, parentCall: ParentCall | null, propagateFlags: number | null | undefined): VmCall | EngineCall {
    if (typeof method !== 'string') throw new TypeError('Channel#createCall: method must be a string');
    if (this.state === State.SHUTDOWN) throw new Error('Channel has been shut down');
    // The channel opens connections of its own engine only, so each call gets the kind it can use.
    if (this.http2 === 'vmrpc') {
      const transport = this.callTransport as CallTransport<EngineStreamOpener & ChannelConnection>;
      return new EngineCall(transport, this.nextCallNumber++, method, deadline, host ?? undefined, parentCall, propagateFlags ?? undefined);
    }
    const transport = this.callTransport as CallTransport<StreamOpener & ChannelConnection>;
    return new VmCall(transport, this.nextCallNumber++, method, deadline, host ?? undefined, parentCall, propagateFlags ?? undefined);
  }

  close(): void {
    if (this.state === State.SHUTDOWN) return;
    this.attempt?.abort();
    clearTimeout(this.backoffTimer);
    for (const waiter of [...this.waiters]) {
      this.waiters.delete(waiter);
      waiter.fail({ code: Status.UNAVAILABLE, details: 'Channel closed before the call started' });
    }
    // Active calls finish on the open connection; it closes once they are done.
    this.connection?.close();
    this.connection = undefined;
    this.opener.destroy();
    this.callTransport.deadlines.closeIfIdle();
    this.setState(State.SHUTDOWN);
    for (const watcher of this.watchers) {
      clearTimeout(watcher.timer);
    }
    this.watchers = [];
  }

  /**
   * Ends the backoff wait after a failed connection attempt: the next call (or a waiting one)
   * connects at once. For owners that know the peer is back (as grpc-core's
   * resetConnectBackoff).
   */
  resetConnectBackoff(): void {
    this.backoff.reset();
    if (this.state !== State.TRANSIENT_FAILURE || this.backoffTimer === undefined) return;
    clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    if (this.waiters.size > 0) this.startConnecting();
    else this.setState(State.IDLE);
  }

  /**
   * Destroys the current connection (calls on it end with UNAVAILABLE) or the attempt in
   * progress; the channel stays usable and connects again when a call needs it. For owners that
   * know the peer is gone before the socket says so.
   */
  dropConnection(reason = 'connection dropped by its owner'): void {
    if (this.state === State.SHUTDOWN) return;
    const attempt = this.attempt;
    if (attempt !== undefined) {
      this.attempt = undefined;
      attempt.abort();
      this.onConnectFailed(new Error(reason));
      return;
    }
    this.connection?.destroy(new Error(reason));
  }

  // ---- connection management ----

  /** Hands the waiter a READY connection now or later, or fails it; returns a cancel function. */
  private requestConnection(waiter: ConnectionWaiter<ChannelConnection>): () => void {
    if (this.state === State.SHUTDOWN) {
      waiter.fail({ code: Status.UNAVAILABLE, details: 'Channel has been shut down' });
      return NOTHING_TO_CANCEL;
    }
    if (this.state === State.READY && this.connection !== undefined && !this.connection.isClosed && !this.connection.draining) {
      waiter.ready(this.connection);
      return NOTHING_TO_CANCEL;
    }
    if (this.state === State.TRANSIENT_FAILURE && !waiter.waitForReady) {
      waiter.fail(this.lastFailure);
      return NOTHING_TO_CANCEL;
    }
    this.waiters.add(waiter);
    if (this.state === State.IDLE) this.startConnecting();
    return () => this.waiters.delete(waiter);
  }

  private startConnecting(): void {
    if (this.state === State.SHUTDOWN || this.state === State.CONNECTING) return;
    clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.setState(State.CONNECTING);
    const attempt = new AbortController();
    this.attempt = attempt;
    this.opener.open(attempt.signal).then(
      (connection) => {
        if (attempt.signal.aborted) return connection.destroy();
        this.attempt = undefined;
        this.onConnected(connection);
      },
      (error: Error) => {
        if (attempt.signal.aborted) return;
        this.attempt = undefined;
        this.onConnectFailed(error);
      },
    );
  }

  private onConnected(connection: ChannelConnection): void {
    if (this.state === State.SHUTDOWN) return connection.close();
    this.backoff.reset();
    this.lastFailure = NO_FAILURE;
    this.connection = connection;
    connection.once('close', (error) => this.onConnectionLost(connection, error));
    connection.once('draining', () => this.onConnectionLost(connection, undefined));
    this.setState(State.READY);
    for (const waiter of [...this.waiters]) {
      this.waiters.delete(waiter);
      waiter.ready(connection);
    }
  }

  private onConnectFailed(error: Error): void {
    if (this.state === State.SHUTDOWN) return;
    this.lastFailure = connectFailure(this.connector.name, error);
    this.setState(State.TRANSIENT_FAILURE);
    for (const waiter of [...this.waiters]) {
      if (waiter.waitForReady) continue;
      this.waiters.delete(waiter);
      waiter.fail(this.lastFailure);
    }
    const delay = this.backoff.next();
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.waiters.size > 0) this.startConnecting();
      else this.setState(State.IDLE);
    }, delay);
    // A backoff alone must not keep the process alive; a waiting call with a deadline holds the channel's DeadlineTimer.
    this.backoffTimer.unref();
  }

  private onConnectionLost(connection: ChannelConnection, error: Error | undefined): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    if (connection.draining) connection.close();
    if (this.state === State.SHUTDOWN) return;
    if (error !== undefined) this.lastFailure = connectionLost(this.connector.name, error);
    this.setState(State.IDLE);
    if (this.waiters.size > 0) this.startConnecting();
  }

  private setState(next: State): void {
    if (next === this.state) return;
    this.state = next;
    const notify = this.watchers;
    this.watchers = [];
    for (const watcher of notify) {
      clearTimeout(watcher.timer);
      process.nextTick(watcher.callback);
    }
  }
}

/** Creates a channel for grpc-js's `channelOverride` client option. */
export function createChannel(target: ChannelTarget, options?: VmChannelOptions): VmChannel {
  return new VmChannel(target, options);
}

/**
 * Client options that route a stock grpc-js client over a VM socket:
 * `new Client(target, credentials, clientOptions(target))`.
 */
export function clientOptions(target: ChannelTarget, options?: VmChannelOptions): { channelOverride: VmChannel } {
  return { channelOverride: createChannel(target, options) };
}

