/**
 * What a call on a VM channel does whichever HTTP/2 engine carries it: grpc-js's CallStream
 * contract up to the stream. VmCall (node:http2) and EngineCall (the vmrpc engine) add the
 * stream itself.
 *
 * The listener gets at most one onReceiveMetadata (none for Trailers-Only responses), then
 * messages (one per startRead credit), then exactly one onReceiveStatus, each on a later tick or
 * at the end of the socket read that brought it (listener-deliveries.ts).
 * An OK status waits until every received message was delivered; an error status (cancel,
 * deadline, lost connection) ends the call at once. Our side is reset with RST_STREAM only for
 * endings the client chose (cancel, deadline, limits), never after the server ended the stream.
 */
import type * as http2 from 'node:http2';
import {
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
import type { CallConnection, CallTransport, ParentCall } from './call-transport';
import type { DeadlineHolder } from '../protocol/deadline-timer';
import { callDeadline } from './call-deadlines';
import { CallStart } from './call-start';
import { ListenerDeliveries, type ReadEnd } from './listener-deliveries';
import { ReceivedMessages, type ReceivedMessagesEvents } from './received-messages';
import { RetryBuffer } from './retry-buffer';

/** grpc-js does not export the context type of sendMessageWithContext. */
export type MessageContext = Parameters<experimental.CallStream['sendMessageWithContext']>[0];

/** The write context of a message nobody waits for. */
const NO_CALLBACK: MessageContext = Object.freeze({});

/** A framed message waiting for its stream, and the Writable callback to run once it is written. */
export interface QueuedWrite {
  frame: Buffer;
  callback: (() => void) | undefined;
}

/**
 * The call is also the waiter for its connection (CallStart) and the owner of its received
 * messages, so a call allocates no closures for either.
 */
export abstract class CallBase<C extends CallConnection> extends CallStart<C> implements experimental.CallStream, ReceivedMessagesEvents, DeadlineHolder {
  /** The listener's deliveries (made by start()). */
  private deliveries: ListenerDeliveries | undefined;
  /** When the deadline passes (ms since the epoch; Infinity: none). */
  readonly deadline: number;
  protected readonly received: ReceivedMessages;
  protected readsDone = false;
  protected receivedStatus: StatusObject | undefined;
  /** Messages (and the half-close) sent before the stream exists. */
  protected readonly writeQueue: QueuedWrite[] = [];
  protected halfClosePending = false;
  /** True while sendLastMessage() writes: the half-close follows in this turn. */
  protected halfCloseFollows = false;
  private onParentCancelled: (() => void) | undefined;
  /** False once the caller said it never reads response metadata (discardResponseMetadata). */
  private metadataWanted = true;
  private messageReceived = false;
  /** The caller half-closed (a retry half-closes its new stream too). */
  private halfClosed = false;
  /** What the call sent, kept for one transparent retry until it commits; undefined: retries are off. */
  private readonly retry: RetryBuffer | undefined;

  constructor(
    transport: CallTransport<C>,
    private readonly callNumber: number,
    method: string,
    deadline: Deadline,
    host: string | undefined,
    private readonly parentCall: ParentCall | null,
    propagateFlags: number | undefined,
  ) {
    super(transport, method, host);
    this.received = new ReceivedMessages(transport.settings.maxReceiveMessageBytes, this);
    const flags = propagateFlags ?? propagate.DEFAULTS;
    this.deadline = callDeadline(deadline, parentCall, flags);
    const retryBufferBytes = transport.settings.retryBufferBytes;
    if (retryBufferBytes >= 0) this.retry = new RetryBuffer(retryBufferBytes);
    if (parentCall !== null && flags & propagate.CANCELLATION) {
      this.onParentCancelled = () => this.cancelWithStatus(Status.CANCELLED, 'Cancelled by parent call');
      parentCall.once('cancelled', this.onParentCancelled);
    }
  }

  // ---- what each engine's call adds ----

  /** Whether the stream has been opened (writes go to it instead of the queue). */
  protected abstract get streamOpen(): boolean;
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
  /** Forgets the stream the server refused (and lets go of what waits on it), for a retry. */
  protected abstract dropRefusedStream(): void;

  // ---- CallStream ----

  start(metadata: Metadata, listener: InterceptingListener): void {
    this.deliveries = new ListenerDeliveries(listener);
    if (this.statusDelivered) return this.deliveries.status(this.receivedStatus!);
    if (this.deadline !== Infinity) this.transport.deadlines.add(this);
    if (this.statusDelivered) return;
    this.requestConnection(metadata);
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
    this.retry?.record(write.frame);
    if (this.streamOpen) this.writeFrame(write);
    else this.writeQueue.push(write);
  }

  startRead(): void {
    this.received.grant();
    if (!this.received.full) this.resumeReading();
  }

  halfClose(): void {
    this.halfClosed = true;
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

  /**
   * Not grpc-js's: the call's last message and its half-close at once (the rpc package's typed
   * unary and server-streaming calls), so the vmrpc engine sends them as one DATA frame with
   * END_STREAM without a tick to wait for a half-close.
   */
  sendLastMessage(message: Buffer): void {
    this.halfCloseFollows = true;
    this.sendMessageWithContext(NO_CALLBACK, message);
    this.halfCloseFollows = false;
    this.halfClose();
  }

  /** What the connection's socket reads bring is told at the end of the read, not on a tick. */
  protected deliverAtReadEnds(readEnd: ReadEnd): void {
    if (this.deliveries !== undefined) this.deliveries.readEnd = readEnd;
  }

  /** Where the request goes, for its headers. */
  protected requestTarget(connection: C): RequestTarget {
    const settings = this.transport.settings;
    return { secure: connection.secure, authority: this.host ?? settings.authority, path: this.method, userAgent: settings.userAgent, deadline: this.deadline };
  }

  // ---- what arrives ----

  /** The first header block: response headers, or a Trailers-Only response. */
  protected onResponseHeaders(headers: http2.IncomingHttpHeaders, httpStatus: number): void {
    // The server is processing the call: it will not be started again.
    this.retry?.commit();
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
    if (this.metadataWanted) this.deliveries!.metadata(metadataFromResponseHeaders(headers));
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
    this.deliveries!.message(message);
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

  /**
   * The server refused the stream without processing it (REFUSED_STREAM, or a GOAWAY below its
   * id): unless the call has committed, it starts once more on a connection the channel hands it,
   * with the same metadata, every message sent so far (without their callbacks: those ran), its
   * half-close, deadline and cancellation. Returns whether it does; if not, the refusal ends it.
   */
  protected retryRefusedStream(): boolean {
    if (this.statusDelivered || this.receivedStatus !== undefined) return false;
    const frames = this.retry?.takeForRetry();
    if (frames === undefined) return false;
    this.dropRefusedStream();
    for (const frame of frames) this.writeQueue.push({ frame, callback: undefined });
    this.halfClosePending = this.halfClosed;
    this.readsDone = false;
    this.requestConnectionNextTick();
    return true;
  }

  // ---- ending ----

  /** DeadlineHolder: a call still waiting for a connection (waitForReady) says why it never got one. */
  deadlinePassed(): void {
    const reason = this.waitingForConnection ? this.transport.lastConnectFailure() : undefined;
    this.cancelWithStatus(Status.DEADLINE_EXCEEDED, reason === undefined ? 'Deadline exceeded' : `Deadline exceeded while waiting for a connection: ${reason}`);
  }

  protected override endWithStatus(status: StatusObject): void {
    if (this.statusDelivered) return;
    this.statusDelivered = true;
    this.receivedStatus = status;
    if (this.deadline !== Infinity) this.transport.deadlines.delete(this);
    this.stopWaitingForConnection();
    if (this.onParentCancelled !== undefined) this.parentCall?.removeListener('cancelled', this.onParentCancelled);
    this.received.stop();
    this.retry?.commit();
    if (this.writeQueue.length > 0) for (const write of this.writeQueue.splice(0)) process.nextTick(runCallback, write);
    this.deliveries?.status(status);
  }
}

export function runCallback(write: QueuedWrite): void {
  write.callback?.();
}
