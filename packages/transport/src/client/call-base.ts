/**
 * What a call on a VM channel does whichever HTTP/2 engine carries it: grpc-js's CallStream
 * contract up to the stream. VmCall (node:http2) and EngineCall (the vmrpc engine) add the
 * stream itself.
 *
 * The listener gets at most one onReceiveMetadata (none for Trailers-Only responses), then
 * messages (one per startRead credit), then exactly one onReceiveStatus, each on a later tick.
 * An OK status waits until every received message was delivered; an error status (cancel,
 * deadline, lost connection) ends the call at once. Our side is reset with RST_STREAM only for
 * endings the client chose (cancel, deadline, limits), never after the server ended the stream.
 */
import type * as http2 from 'node:http2';
import {
  type CallCredentials,
  Metadata,
  status as Status,
  propagate,
  type experimental,
  type Deadline,
  type InterceptingListener,
  type StatusObject,
} from '@grpc/grpc-js';
import { frameMessage } from '../protocol/framing';
import type { RequestTarget } from '../protocol/request-headers';
import { isGrpcContentType, metadataFromResponseHeaders, statusFromHttpStatus, statusFromTrailers } from '../protocol/status';
import type { CallConnection, CallTransport, ConnectionWaiter, ParentCall } from './call-transport';
import { withCallCredentials } from './call-credentials';
import { callDeadline, type DeadlineHolder } from './call-deadlines';
import { isEmptyCallCredentials } from './grpc-internals';
import { ReceivedMessages, type ReceivedMessagesEvents } from './received-messages';

/** grpc-js does not export the context type of sendMessageWithContext. */
export type MessageContext = Parameters<experimental.CallStream['sendMessageWithContext']>[0];

/** A framed message waiting for its stream, and the Writable callback to run once it is written. */
export interface QueuedWrite {
  frame: Buffer;
  callback: (() => void) | undefined;
}

/**
 * The call is also the waiter for its connection and the owner of its received messages, so a
 * call allocates no closures for either.
 */
export abstract class CallBase<C extends CallConnection> implements experimental.CallStream, ConnectionWaiter<C>, ReceivedMessagesEvents, DeadlineHolder {
  /** Whether the call waits for a connection (grpc-js's waitForReady) or fails fast. */
  waitForReady = false;
  /** The channel answered requestConnection() (at once, or later). */
  private answered = false;
  protected listener: InterceptingListener | undefined;
  protected connection: C | undefined;
  /** The call's own credentials (setCredentials), composed with the channel's. */
  private callCredentials: CallCredentials | undefined;
  private metadata: Metadata | undefined;
  /** When the deadline passes (ms since the epoch; Infinity: none). */
  readonly deadline: number;
  private cancelWaiting: (() => void) | undefined;
  protected readonly received: ReceivedMessages;
  protected readsDone = false;
  protected receivedStatus: StatusObject | undefined;
  protected statusDelivered = false;
  /** Messages (and the half-close) sent before the stream exists. */
  protected readonly writeQueue: QueuedWrite[] = [];
  protected halfClosePending = false;
  private onParentCancelled: (() => void) | undefined;
  /** False once the caller said it never reads response metadata (discardResponseMetadata). */
  private metadataWanted = true;
  private messageReceived = false;

  constructor(
    protected readonly transport: CallTransport<C>,
    private readonly callNumber: number,
    protected readonly method: string,
    deadline: Deadline,
    protected readonly host: string | undefined,
    private readonly parentCall: ParentCall | null,
    propagateFlags: number | undefined,
  ) {
    this.received = new ReceivedMessages(transport.settings.maxReceiveMessageBytes, this);
    const flags = propagateFlags ?? propagate.DEFAULTS;
    this.deadline = callDeadline(deadline, parentCall, flags);
    if (parentCall !== null && flags & propagate.CANCELLATION) {
      this.onParentCancelled = () => this.cancelWithStatus(Status.CANCELLED, 'Cancelled by parent call');
      parentCall.once('cancelled', this.onParentCancelled);
    }
  }

  // ---- what each engine's call adds ----

  /** Whether the stream has been opened (writes go to it instead of the queue). */
  protected abstract get streamOpen(): boolean;
  /** Opens the stream with `metadata`, then writes what the queue holds (and the half-close). */
  protected abstract openStream(connection: C, metadata: Metadata): void;
  /** Writes one framed message on the open stream, running its callback once written. */
  protected abstract writeFrame(write: QueuedWrite): void;
  /** Ends our side of the open stream (END_STREAM), if it is not ended yet. */
  protected abstract endRequest(): void;
  /** A read credit was granted: let more DATA in if the stream was held back. */
  protected abstract resumeReading(): void;
  /** Resets the open stream with RST_STREAM(CANCEL), unless it is closed already. */
  protected abstract resetStream(): void;
  /** Whether the server's side of the stream has ended (its END_STREAM arrived). */
  protected abstract get responseEnded(): boolean;

  // ---- CallStream ----

  start(metadata: Metadata, listener: InterceptingListener): void {
    this.listener = listener;
    // grpc-js hands each call its own Metadata; it is copied only if credentials add to it.
    this.metadata = metadata;
    if (this.statusDelivered) return this.deliverStatusToListener();
    if (this.deadline !== Infinity) this.transport.deadlines.add(this);
    if (this.statusDelivered) return;
    this.waitForReady = metadata.getOptions().waitForReady === true;
    const cancel = this.transport.requestConnection(this);
    // Set only while the call really waits: a connection handed over at once needs no cancel.
    if (!this.answered) this.cancelWaiting = cancel;
  }

  sendMessageWithContext(context: MessageContext, message: Buffer): void {
    const limit = this.transport.settings.maxSendMessageBytes;
    if (message.length > limit) {
      this.cancelWithStatus(Status.RESOURCE_EXHAUSTED, `Sent message larger than max (${message.length} vs. ${limit})`);
      process.nextTick(() => context.callback?.());
      return;
    }
    const write: QueuedWrite = { frame: frameMessage(message), callback: context.callback };
    if (this.statusDelivered) return void process.nextTick(runCallback, write);
    if (this.streamOpen) this.writeFrame(write);
    else this.writeQueue.push(write);
  }

  startRead(): void {
    this.received.grant();
    if (!this.received.full) this.resumeReading();
  }

  halfClose(): void {
    if (this.streamOpen) this.endRequest();
    else this.halfClosePending = true;
  }

  cancelWithStatus(code: Status, details: string): void {
    if (this.statusDelivered) return;
    this.endWithStatus({ code, details, metadata: new Metadata() });
    if (this.streamOpen) this.resetStream();
  }

  getPeer(): string {
    return this.transport.peer;
  }

  getCallNumber(): number {
    return this.callNumber;
  }

  setCredentials(credentials: CallCredentials): void {
    this.callCredentials = credentials;
  }

  getAuthContext(): null {
    return null;
  }

  /**
   * Not grpc-js's: a caller that never reads response metadata (the rpc package's typed unary
   * client without onHeader/onTrailer) says so before start(). The headers are then not made into
   * a grpc-js Metadata nor delivered (onReceiveMetadata is not called), and an OK status after a
   * message carries an empty Metadata: both cost CPU on every call. An error status, or OK without
   * any message (a unary call fails with it), keeps its trailers (they are the RpcError's metadata).
   */
  discardResponseMetadata(): void {
    this.metadataWanted = false;
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
    if (connection.isClosed) return this.endWithStatus({ code: Status.UNAVAILABLE, details: 'Connection dropped before the call started', metadata: new Metadata() });
    this.connection = connection;
    try {
      this.openStream(connection, metadata);
    } catch (error) {
      this.endWithStatus({ code: Status.UNAVAILABLE, details: `Cannot start a stream: ${(error as Error).message}`, metadata: new Metadata() });
    }
  }

  /** Where the request goes, for its headers. */
  protected requestTarget(connection: C): RequestTarget {
    const settings = this.transport.settings;
    return { secure: connection.secure, authority: this.host ?? settings.authority, path: this.method, userAgent: settings.userAgent, deadline: this.deadline };
  }

  // ---- what arrives ----

  /** The first header block: response headers, or a Trailers-Only response. */
  protected onResponseHeaders(headers: http2.IncomingHttpHeaders, httpStatus: number): void {
    if (headers['grpc-status'] !== undefined) {
      // Trailers-Only: the status comes in the headers; there is no response metadata.
      return this.onTrailers(headers);
    }
    if (httpStatus !== 200) {
      return this.failFromClient(statusFromHttpStatus(httpStatus), `Received HTTP status code ${httpStatus}`);
    }
    if (!isGrpcContentType(headers['content-type'])) {
      return this.failFromClient(Status.UNKNOWN, `Received invalid content-type ${JSON.stringify(headers['content-type'] ?? '')}`);
    }
    const encoding = headers['grpc-encoding'];
    if (typeof encoding === 'string') this.received.setEncoding(encoding);
    if (this.metadataWanted) process.nextTick(deliverMetadata, this.listener!, metadataFromResponseHeaders(headers));
  }

  protected onTrailers(trailers: http2.IncomingHttpHeaders): void {
    if (this.receivedStatus !== undefined || this.statusDelivered) return;
    const status = statusFromTrailers(trailers, this.metadataWanted || !this.messageReceived);
    if (status.code === Status.OK && this.received.midMessage) {
      return this.failFromClient(Status.INTERNAL, 'The server ended the stream in the middle of a message');
    }
    this.receivedStatus = status;
    // The server finished: end our side normally if it is still open (no RST_STREAM).
    if (this.streamOpen) this.endRequest();
    this.readsDone = this.readsDone || !this.streamOpen || this.responseEnded;
    this.maybeDeliverStatus();
  }

  // ---- ReceivedMessagesEvents ----

  onMessage(message: Buffer): void {
    this.messageReceived = true;
    process.nextTick(deliverMessage, this.listener!, message);
  }

  onInvalidMessages(code: Status, details: string): void {
    this.failFromClient(code, details);
  }

  onMessagesDrained(): void {
    this.maybeDeliverStatus();
  }

  /** Ends the call with an error decided on this side, resetting the stream. */
  protected failFromClient(code: Status, details: string): void {
    this.cancelWithStatus(code, details);
  }

  protected maybeDeliverStatus(): void {
    const status = this.receivedStatus;
    if (status === undefined || this.statusDelivered) return;
    if (!this.readsDone || this.received.pending) return;
    this.endWithStatus(status);
  }

  // ---- ending ----

  /** DeadlineHolder: a call still waiting for a connection (waitForReady) says why it never got one. */
  deadlinePassed(): void {
    const reason = this.cancelWaiting !== undefined ? this.transport.lastConnectFailure() : undefined;
    this.cancelWithStatus(Status.DEADLINE_EXCEEDED, reason === undefined ? 'Deadline exceeded' : `Deadline exceeded while waiting for a connection: ${reason}`);
  }

  protected endWithStatus(status: StatusObject): void {
    if (this.statusDelivered) return;
    this.statusDelivered = true;
    this.receivedStatus = status;
    if (this.deadline !== Infinity) this.transport.deadlines.delete(this);
    this.cancelWaiting?.();
    this.cancelWaiting = undefined;
    if (this.onParentCancelled !== undefined) this.parentCall?.removeListener('cancelled', this.onParentCancelled);
    this.received.stop();
    if (this.writeQueue.length > 0) for (const write of this.writeQueue.splice(0)) process.nextTick(runCallback, write);
    if (this.listener !== undefined) this.deliverStatusToListener();
  }

  private deliverStatusToListener(): void {
    process.nextTick(deliverStatus, this.listener!, this.receivedStatus!);
  }
}

// Module functions for process.nextTick, so a delivery allocates no closure.
function deliverMetadata(listener: InterceptingListener, metadata: Metadata): void {
  listener.onReceiveMetadata(metadata);
}

function deliverMessage(listener: InterceptingListener, message: Buffer): void {
  listener.onReceiveMessage(message);
}

function deliverStatus(listener: InterceptingListener, status: StatusObject): void {
  listener.onReceiveStatus(status);
}

export function runCallback(write: QueuedWrite): void {
  write.callback?.();
}
