/**
 * How a call gets its stream: it waits for a READY connection from the channel (or fails fast,
 * grpc-js's waitForReady rules), adds its call credentials' metadata, and opens the stream on
 * it. The call itself is the channel's ConnectionWaiter, so waiting allocates no closure.
 */
import { Metadata, status as Status, type CallCredentials, type StatusObject } from '@grpc/grpc-js';
import type { CallConnection, CallTransport, ConnectionWaiter } from './call-transport';
import { withCallCredentials } from './call-credentials';
import { isEmptyCallCredentials } from './grpc-internals';

export abstract class CallStart<C extends CallConnection> implements ConnectionWaiter<C> {
  /** Whether the call waits for a connection (grpc-js's waitForReady) or fails fast. */
  waitForReady = false;
  /** The channel answered requestConnection() (at once, or later). */
  private answered = false;
  protected connection: C | undefined;
  /** The call's own credentials (setCredentials), composed with the channel's. */
  private callCredentials: CallCredentials | undefined;
  private metadata: Metadata | undefined;
  /** Set only while the call really waits: a connection handed over at once needs no cancel. */
  private cancelWaiting: (() => void) | undefined;
  /** The call's status went to its listener: it is over. */
  protected statusDelivered = false;

  constructor(
    protected readonly transport: CallTransport<C>,
    protected readonly method: string,
    protected readonly host: string | undefined,
  ) {}

  /** Opens the stream with `metadata`, then writes what the queue holds (and the half-close). */
  protected abstract openStream(connection: C, metadata: Metadata): void;
  /** Ends the call with `status`. */
  protected abstract endWithStatus(status: StatusObject): void;

  setCredentials(credentials: CallCredentials): void {
    this.callCredentials = credentials;
  }

  /** Asks the channel for a connection; `metadata` is grpc-js's own for this call (copied only if credentials add to it). */
  protected requestConnection(metadata: Metadata): void {
    this.metadata = metadata;
    this.waitForReady = metadata.getOptions().waitForReady === true;
    this.requestConnectionAgain();
  }

  /**
   * Asks the channel for a connection once more, with the same metadata: the call's stream never
   * started on the last one, or the server refused it unprocessed (a transparent retry).
   */
  protected requestConnectionAgain(): void {
    if (this.statusDelivered) return;
    this.answered = false;
    this.connection = undefined;
    const cancel = this.transport.requestConnection(this);
    if (!this.answered) this.cancelWaiting = cancel;
  }

  /** As requestConnectionAgain, outside the frame or stream close under way (its GOAWAY is seen by then). */
  protected requestConnectionNextTick(): void {
    process.nextTick(CallStart.requestAgain, this);
  }

  private static requestAgain(call: CallStart<CallConnection>): void {
    call.requestConnectionAgain();
  }

  /** Whether the call still waits for a connection. */
  protected get waitingForConnection(): boolean {
    return this.cancelWaiting !== undefined;
  }

  /** The call ended: it no longer waits for a connection. */
  protected stopWaitingForConnection(): void {
    this.cancelWaiting?.();
    this.cancelWaiting = undefined;
  }

  // ---- ConnectionWaiter: what the channel answers ----

  ready(connection: C): void {
    this.answered = true;
    this.cancelWaiting = undefined;
    if (this.statusDelivered) return;
    const own = this.callCredentials;
    const credentials = own === undefined ? this.transport.callCredentials : this.transport.callCredentials.compose(own);
    // Most calls carry no call credentials: open the stream in this turn, without a promise.
    if (isEmptyCallCredentials(credentials)) return this.openStreamOn(connection, this.metadata!);
    const authority = this.host ?? this.transport.settings.authority;
    withCallCredentials(this.metadata!, credentials, connection.secure, authority, this.method).then(
      (metadata) => this.openStreamOn(connection, metadata),
      (status: Pick<StatusObject, 'code' | 'details'>) => this.fail(status),
    );
  }

  fail(status: Pick<StatusObject, 'code' | 'details'>): void {
    this.answered = true;
    this.endWithStatus({ code: status.code, details: status.details, metadata: new Metadata() });
  }

  private openStreamOn(connection: C, metadata: Metadata): void {
    if (this.statusDelivered) return;
    // It went away while call credentials were made: the call never left, so it starts elsewhere.
    if (connection.isClosed) return this.requestConnectionAgain();
    this.connection = connection;
    try {
      this.openStream(connection, metadata);
    } catch (error) {
      this.endWithStatus({ code: Status.UNAVAILABLE, details: `Cannot start a stream: ${(error as Error).message}`, metadata: new Metadata() });
    }
  }
}
