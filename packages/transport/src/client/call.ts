/**
 * One RPC on a VM channel: grpc-js's CallStream contract on one HTTP/2 stream.
 *
 * The listener gets at most one onReceiveMetadata (none for Trailers-Only responses), then
 * messages (one per startRead credit), then exactly one onReceiveStatus, each on a later tick.
 * An OK status waits until every received message was delivered; an error status (cancel,
 * deadline, lost connection) ends the call at once. Our side is reset with RST_STREAM only for
 * endings the client chose (cancel, deadline, limits), never after the server ended the stream.
 */
import type * as http2 from 'node:http2';
import {
  CallCredentials,
  Metadata,
  status as Status,
  propagate,
  type experimental,
  type Deadline,
  type InterceptingListener,
  type StatusObject,
} from '@grpc/grpc-js';
import { MAX_TIMER_MS, deadlineMs } from '../protocol/deadline';
import { frameMessage } from '../protocol/framing';
import { requestHeaders } from '../protocol/request-headers';
import { isGrpcContentType, metadataFromResponseHeaders, statusFromHttpStatus, statusFromRstCode, statusFromTrailers } from '../protocol/status';
import type { CallTransport, ParentCall, StreamOpener } from './call-transport';
import { resetStream } from './connection';
import { isEmptyCallCredentials } from './grpc-internals';
import { ReceivedMessages } from './received-messages';

/** grpc-js does not export the context type of sendMessageWithContext. */
type MessageContext = Parameters<experimental.CallStream['sendMessageWithContext']>[0];

interface QueuedWrite {
  frame: Buffer;
  callback: (() => void) | undefined;
}

export class VmCall implements experimental.CallStream {
  private listener: InterceptingListener | undefined;
  private stream: http2.ClientHttp2Stream | undefined;
  private connection: StreamOpener | undefined;
  private callCredentials: CallCredentials = CallCredentials.createEmpty();
  private metadata: Metadata | undefined;
  private deadline: number;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private cancelWaiting: (() => void) | undefined;
  private readonly received: ReceivedMessages;
  private readsDone = false;
  private receivedStatus: StatusObject | undefined;
  private statusDelivered = false;
  private readonly writeQueue: QueuedWrite[] = [];
  private halfClosePending = false;
  private onParentCancelled: (() => void) | undefined;

  constructor(
    private readonly transport: CallTransport,
    private readonly callNumber: number,
    private readonly method: string,
    deadline: Deadline,
    private readonly host: string | undefined,
    private readonly parentCall: ParentCall | null,
    propagateFlags: number | undefined,
  ) {
    this.received = new ReceivedMessages(transport.settings.maxReceiveMessageBytes, {
      deliver: (message) => this.deliverMessage(message),
      fail: (code, details) => this.failFromClient(code, details),
      drained: () => this.maybeDeliverStatus(),
    });
    const flags = propagateFlags ?? propagate.DEFAULTS;
    this.deadline = deadlineMs(deadline);
    if (parentCall !== null && flags & propagate.DEADLINE) {
      this.deadline = Math.min(this.deadline, deadlineMs(parentCall.getDeadline()));
    }
    if (parentCall !== null && flags & propagate.CANCELLATION) {
      this.onParentCancelled = () => this.cancelWithStatus(Status.CANCELLED, 'Cancelled by parent call');
      parentCall.once('cancelled', this.onParentCancelled);
    }
  }

  // ---- CallStream ----

  start(metadata: Metadata, listener: InterceptingListener): void {
    this.listener = listener;
    // grpc-js hands each call its own Metadata; it is copied only if credentials add to it.
    this.metadata = metadata;
    if (this.statusDelivered) return this.deliverStatusToListener();
    if (Number.isFinite(this.deadline)) this.armDeadline();
    if (this.statusDelivered) return;
    const waitForReady = metadata.getOptions().waitForReady === true;
    let answered = false;
    const cancel = this.transport.requestConnection({
      waitForReady,
      ready: (connection) => {
        answered = true;
        this.onConnection(connection);
      },
      fail: (status) => {
        answered = true;
        this.endWithStatus({ ...status, metadata: new Metadata() });
      },
    });
    // Set only while the call really waits: a connection handed over at once needs no cancel.
    if (!answered) this.cancelWaiting = cancel;
  }

  sendMessageWithContext(context: MessageContext, message: Buffer): void {
    const limit = this.transport.settings.maxSendMessageBytes;
    if (message.length > limit) {
      this.cancelWithStatus(Status.RESOURCE_EXHAUSTED, `Sent message larger than max (${message.length} vs. ${limit})`);
      process.nextTick(() => context.callback?.());
      return;
    }
    const write: QueuedWrite = { frame: frameMessage(message), callback: context.callback ? () => context.callback!() : undefined };
    if (this.statusDelivered) return void process.nextTick(() => write.callback?.());
    if (this.stream === undefined) this.writeQueue.push(write);
    else this.writeFrame(write);
  }

  startRead(): void {
    this.received.grant();
    if (!this.received.full && this.stream?.isPaused()) this.stream.resume();
  }

  halfClose(): void {
    if (this.stream === undefined) this.halfClosePending = true;
    else if (!this.stream.writableEnded) this.stream.end();
  }

  cancelWithStatus(code: Status, details: string): void {
    if (this.statusDelivered) return;
    this.endWithStatus({ code, details, metadata: new Metadata() });
    if (this.stream !== undefined && !this.stream.closed) resetStream(this.stream);
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

  // ---- connection and stream ----

  private onConnection(connection: StreamOpener): void {
    this.cancelWaiting = undefined;
    if (this.statusDelivered) return;
    const credentials = this.transport.callCredentials.compose(this.callCredentials);
    // Most calls carry no call credentials: open the stream in this turn, without a promise.
    if (isEmptyCallCredentials(credentials)) return this.openStream(connection, this.metadata!);
    void this.openStreamWithCredentials(connection, credentials);
  }

  private async openStreamWithCredentials(connection: StreamOpener, credentials: CallCredentials): Promise<void> {
    const metadata = this.metadata!.clone();
    const authority = this.host ?? this.transport.settings.authority;
    const service = this.method.split('/')[1] ?? '';
    try {
      const extra = await credentials.generateMetadata({
        service_url: `${connection.secure ? 'https' : 'http'}://${authority}/${service}`,
        method_name: this.method.split('/')[2] ?? '',
      });
      metadata.merge(extra);
    } catch (error) {
      const code = typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: Status }).code) : Status.UNAVAILABLE;
      return this.endWithStatus({ code, details: `Getting metadata from plugin failed with error: ${(error as Error).message}`, metadata: new Metadata() });
    }
    this.openStream(connection, metadata);
  }

  private openStream(connection: StreamOpener, metadata: Metadata): void {
    if (this.statusDelivered) return;
    if (connection.isClosed) return this.endWithStatus({ code: Status.UNAVAILABLE, details: 'Connection dropped before the call started', metadata: new Metadata() });
    const settings = this.transport.settings;
    const headers = requestHeaders(metadata, {
      secure: connection.secure,
      authority: this.host ?? settings.authority,
      path: this.method,
      userAgent: settings.userAgent,
      deadline: this.deadline,
    });
    let stream: http2.ClientHttp2Stream;
    try {
      stream = connection.request(headers);
    } catch (error) {
      return this.endWithStatus({ code: Status.UNAVAILABLE, details: `Cannot start a stream: ${(error as Error).message}`, metadata: new Metadata() });
    }
    this.connection = connection;
    this.stream = stream;
    stream.on('response', (responseHeaders) => this.onResponseHeaders(responseHeaders));
    stream.on('trailers', (trailers) => this.onTrailers(trailers));
    stream.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      if (this.received.full) stream.pause();
    });
    stream.on('end', () => {
      this.readsDone = true;
      this.maybeDeliverStatus();
    });
    stream.on('error', () => undefined); // the status comes from 'close'
    stream.on('close', () => this.onStreamClose());
    if (!this.received.wanted) stream.pause();
    for (const write of this.writeQueue.splice(0)) this.writeFrame(write);
    if (this.halfClosePending) stream.end();
  }

  private writeFrame(write: QueuedWrite): void {
    // The callback is the Writable's _write callback: it must run, or client streaming stalls.
    this.stream!.write(write.frame, () => write.callback?.());
  }

  private onResponseHeaders(headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
    const httpStatus = headers[':status'] ?? 0;
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
    const listener = this.listener!;
    const metadata = metadataFromResponseHeaders(headers);
    process.nextTick(() => listener.onReceiveMetadata(metadata));
  }

  private onTrailers(trailers: http2.IncomingHttpHeaders): void {
    if (this.receivedStatus !== undefined || this.statusDelivered) return;
    const status = statusFromTrailers(trailers);
    if (status.code === Status.OK && this.received.midMessage) {
      return this.failFromClient(Status.INTERNAL, 'The server ended the stream in the middle of a message');
    }
    this.receivedStatus = status;
    // The server finished: end our side normally if it is still open (no RST_STREAM).
    if (this.stream !== undefined && !this.stream.writableEnded) this.stream.end();
    this.readsDone = this.readsDone || this.stream === undefined || this.stream.readableEnded;
    this.maybeDeliverStatus();
  }

  private deliverMessage(message: Buffer): void {
    const listener = this.listener!;
    process.nextTick(() => listener.onReceiveMessage(message));
  }

  private onStreamClose(): void {
    if (this.statusDelivered) return;
    if (this.receivedStatus !== undefined) {
      this.readsDone = true;
      return this.maybeDeliverStatus();
    }
    // A dropped connection resets its streams with NGHTTP2_CANCEL: that is UNAVAILABLE, not CANCELLED.
    const lostConnectionTo = this.connection?.isClosed === true ? this.transport.peer : undefined;
    const status = statusFromRstCode(this.stream!.rstCode ?? 0, lostConnectionTo);
    this.endWithStatus({ ...status, metadata: new Metadata() });
  }

  /** Ends the call with an error decided on this side, resetting the stream. */
  private failFromClient(code: Status, details: string): void {
    this.cancelWithStatus(code, details);
  }

  private maybeDeliverStatus(): void {
    const status = this.receivedStatus;
    if (status === undefined || this.statusDelivered) return;
    if (!this.readsDone || this.received.pending) return;
    this.endWithStatus(status);
  }

  // ---- ending ----

  private armDeadline(): void {
    const remaining = this.deadline - Date.now();
    if (remaining <= 0) return this.deadlineExceeded();
    this.deadlineTimer = setTimeout(() => {
      if (this.deadline - Date.now() > 0) this.armDeadline();
      else this.deadlineExceeded();
    }, Math.min(remaining, MAX_TIMER_MS));
  }

  /** A call still waiting for a connection (waitForReady) says why it never got one. */
  private deadlineExceeded(): void {
    const reason = this.cancelWaiting !== undefined ? this.transport.lastConnectFailure() : undefined;
    this.cancelWithStatus(Status.DEADLINE_EXCEEDED, reason === undefined ? 'Deadline exceeded' : `Deadline exceeded while waiting for a connection: ${reason}`);
  }

  private endWithStatus(status: StatusObject): void {
    if (this.statusDelivered) return;
    this.statusDelivered = true;
    this.receivedStatus = status;
    clearTimeout(this.deadlineTimer);
    this.cancelWaiting?.();
    this.cancelWaiting = undefined;
    if (this.onParentCancelled !== undefined) this.parentCall?.removeListener('cancelled', this.onParentCancelled);
    this.received.stop();
    for (const write of this.writeQueue.splice(0)) process.nextTick(() => write.callback?.());
    if (this.listener !== undefined) this.deliverStatusToListener();
  }

  private deliverStatusToListener(): void {
    const listener = this.listener!;
    const status = this.receivedStatus!;
    process.nextTick(() => listener.onReceiveStatus(status));
  }
}
