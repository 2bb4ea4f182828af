/**
 * One gRPC call on the engine server: the owner of its HTTP/2 stream. It reads the request
 * messages, runs the method's handler logic (handlers.ts) through the call ports it implements,
 * and answers with header lists: a unary call's response headers, message and trailers go out in
 * one socket write (the engine gathers a tick's frames). Plain callbacks and class methods: no
 * Node stream, no EventEmitter, no closure per call, no timer per call (the connection's DeadlineTimer).
 */
import { status, type Metadata, type StatusObject } from '@grpc/grpc-js';
import { FRAME_HEADER_BYTES, FrameDecoder, FrameError, H2ErrorCode, writeFrameHeader, type DeadlineHolder, type DeadlineTimer, type FrameSink, type H2Stream, type H2StreamListener, type HeaderList } from '@vmrpc/transport';
import { RpcError } from '../../errors';
import type { ResponseWriter, UnaryResponder } from '../call-ports';
import { ServerCallContext, type HeaderSink, type MetadataSource } from '../context';
import { answerMany, answerOnce, requestsOf } from '../handlers';
import type { MethodEntry } from '../method-table';
import { decompress } from './decompress';
import { RequestQueue } from './request-queue';
import { metadataOf, RESPONSE_HEADERS, trailersOf, trailersOnly, withMetadata, type RequestHead } from './wire';

/** Limits every call of a server honours (from its grpc-js options). */
export interface CallLimits {
  /** The largest request message, after inflating (Infinity: none). */
  readonly maxReceiveBytes: number;
  /** The largest response message (Infinity: none). */
  readonly maxSendBytes: number;
}

export class EngineCall implements DeadlineHolder, H2StreamListener, UnaryResponder<unknown>, ResponseWriter<unknown>, HeaderSink, MetadataSource, FrameSink {
  private readonly context: ServerCallContext;
  private readonly reader: FrameDecoder;
  /** The requests of a client-streaming or bidi call. */
  private readonly queue: RequestQueue | undefined;
  /** The request of a unary or server-streaming call, and how many arrived. */
  private request: unknown = undefined;
  private requestCount = 0;
  private requestEnded: boolean;
  private headersSent = false;
  /** The status was sent or the stream was reset: nothing more goes out. */
  private finished = false;
  /** When the deadline passes (Date.now() time; Infinity: none). */
  readonly deadline: number;
  private drainWaiter: (() => void) | undefined = undefined;

  constructor(
    private readonly stream: H2Stream,
    private readonly entry: MethodEntry,
    private readonly head: RequestHead,
    peer: string,
    timeoutMs: number | undefined,
    private readonly limits: CallLimits,
    private readonly deadlines: DeadlineTimer,
    endStream: boolean,
  ) {
    this.requestEnded = endStream;
    this.deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    this.context = new ServerCallContext(entry.path, this, peer, this.deadline, this);
    this.reader = new FrameDecoder(limits.maxReceiveBytes);
    const kind = entry.kind;
    const streamingRequests = kind === 'clientStreaming' || kind === 'bidiStreaming';
    this.queue = streamingRequests ? new RequestQueue(stream) : undefined;
    if (endStream) this.queue?.end();
    // A deadline already passed (grpc-timeout 0) fails the call here, before any handler starts.
    if (timeoutMs !== undefined) deadlines.add(this);
    if (this.finished) return;
    // Streaming requests: the handler starts now and reads them as they come.
    if (kind === 'clientStreaming') void answerOnce(entry.implementation, requestsOf(this.queue!, this.context), this, this.context, entry.onError);
    else if (kind === 'bidiStreaming') void answerMany(entry.implementation, requestsOf(this.queue!, this.context), this, this.context, entry.onError);
    else if (endStream) this.requestComplete();
  }

  get cancelled(): boolean {
    return this.finished;
  }

  // ---- H2StreamListener ----

  onHeaders(_headers: HeaderList, endStream: boolean): void {
    // Request trailers carry nothing a gRPC server reads; only their END_STREAM matters.
    if (endStream) this.endOfRequest();
  }

  onData(data: Buffer, endStream: boolean): void {
    if (this.finished) return void this.stream.consume(data.length);
    try {
      this.reader.decode(data, this);
    } catch (error) {
      // A bad prefix; onMessage() turns its own failures into fail() calls.
      if (!(error instanceof FrameError)) throw error;
      // The DATA is given back to the windows: the stream may close normally (END_STREAM came with it), and close() credits nothing.
      this.stream.consume(data.length);
      return this.fail(new RpcError(error.tooLarge ? status.RESOURCE_EXHAUSTED : status.INTERNAL, error.message));
    }
    if (this.queue !== undefined) this.queue.received(data.length);
    else this.stream.consume(data.length);
    if (endStream && !this.finished) this.endOfRequest();
  }

  onReset(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopDeadline();
    const reason = new RpcError(status.CANCELLED, 'Cancelled by the client');
    this.context.cancel(reason);
    this.queue?.fail(reason);
    this.onDrain();
  }

  onDrain(): void {
    const waiter = this.drainWaiter;
    this.drainWaiter = undefined;
    waiter?.();
  }

  // ---- FrameSink ----

  onMessage(message: Buffer, compressed: boolean): void {
    if (this.finished) return;
    let request: unknown;
    try {
      const bytes = compressed ? decompress(message, this.head.encoding, this.limits.maxReceiveBytes) : message;
      try {
        request = this.entry.deserialize(bytes);
      } catch {
        throw new RpcError(status.INTERNAL, 'Error deserializing request');
      }
    } catch (error) {
      return this.fail(error as RpcError);
    }
    if (this.queue !== undefined) return this.queue.push(request);
    if (++this.requestCount > 1) {
      return this.fail(new RpcError(status.UNIMPLEMENTED, `Received a second request message for ${this.entry.kind} method ${this.entry.path}`));
    }
    this.request = request;
  }

  // ---- MetadataSource, HeaderSink, UnaryResponder, ResponseWriter ----

  requestMetadata(): Metadata {
    return metadataOf(this.head.metadataFields);
  }

  sendMetadata(metadata: Metadata | undefined): void {
    if (this.headersSent || this.finished) return;
    this.headersSent = true;
    this.stream.sendHeaders(withMetadata(RESPONSE_HEADERS, metadata), false);
  }

  sendResponse(response: unknown, trailer: Metadata | undefined): void {
    // A response that cannot be sent fails the call inside write(); finish() is then a no-op.
    this.write(response);
    this.finish(status.OK, '', trailer);
  }

  write(response: unknown): boolean {
    if (this.finished) return true;
    const frame = this.frame(response);
    if (frame === undefined) return true;
    if (!this.headersSent) this.sendMetadata(undefined);
    return this.stream.sendData(frame, false);
  }

  drained(): Promise<void> {
    if (this.finished) return Promise.resolve();
    return new Promise((resolve) => (this.drainWaiter = resolve));
  }

  end(trailer: Metadata | undefined): void {
    this.finish(status.OK, '', trailer);
  }

  sendStatus(result: StatusObject): void {
    this.finish(result.code, result.details, result.metadata);
  }

  /** Past the deadline: DEADLINE_EXCEEDED to both the client and the handler. */
  deadlinePassed(): void {
    if (this.finished) return;
    this.fail(new RpcError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
  }

  // ---- internals ----

  private stopDeadline(): void {
    if (this.deadline !== Infinity) this.deadlines.delete(this);
  }

  /** END_STREAM from the client. */
  private endOfRequest(): void {
    if (this.requestEnded) return;
    this.requestEnded = true;
    if (this.finished) return;
    if (this.reader.midMessage) return this.fail(new RpcError(status.INTERNAL, 'the request ended in the middle of a message'));
    if (this.queue !== undefined) return this.queue.end();
    this.requestComplete();
  }

  /** The single request of a unary or server-streaming call is in: the handler runs. */
  private requestComplete(): void {
    if (this.requestCount === 0) {
      return this.fail(new RpcError(status.UNIMPLEMENTED, `Received no request message for ${this.entry.kind} method ${this.entry.path}`));
    }
    const entry = this.entry;
    if (entry.kind === 'unary') void answerOnce(entry.implementation, this.request, this, this.context, entry.onError);
    else if (entry.kind === 'serverStreaming') void answerMany(entry.implementation, this.request, this, this.context, entry.onError);
  }

  /** A response message with its gRPC prefix, or undefined when it cannot be sent (the call then fails). */
  private frame(response: unknown): Buffer | undefined {
    let frame: Buffer;
    try {
      frame = this.entry.serializeFramed(response);
    } catch (error) {
      // A fault of the handler's response: onError is told, the peer gets what grpc-js's server sends.
      this.entry.onError?.(error, this.entry.path);
      this.fail(new RpcError(status.INTERNAL, 'Error serializing response'));
      return undefined;
    }
    const length = frame.length - FRAME_HEADER_BYTES;
    if (length > this.limits.maxSendBytes) {
      this.fail(new RpcError(status.RESOURCE_EXHAUSTED, `Sent message larger than max (${length} vs. ${this.limits.maxSendBytes})`));
      return undefined;
    }
    writeFrameHeader(frame, length);
    return frame;
  }

  /** The server ends the call on its own (a bad request, a limit, the deadline): the client gets the status, the handler a cancellation. */
  private fail(error: RpcError): void {
    if (this.finished) return;
    // The server will not wait on a client that may have stopped reading: the response messages
    // still queued are dropped so the status goes out now (a message partly sent stays cut short).
    this.stream.discardQueued();
    this.finish(error.code, error.details, error.metadata);
    this.context.cancel(error);
    this.queue?.fail(error);
  }

  /** Sends the status (as trailers, or Trailers-Only) and ends the call. */
  private finish(code: number, details: string, metadata: Metadata | null | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.stopDeadline();
    if (this.headersSent) this.stream.sendHeaders(trailersOf(code, details, metadata), true);
    else this.stream.sendHeaders(trailersOnly({ code, details, metadata }), true);
    if (this.queue !== undefined) {
      // Whatever the handler left unread is credited, so the connection's window is whole again.
      if (!this.requestEnded) this.queue.fail(new RpcError(code === status.OK ? status.CANCELLED : code, details || 'the call ended'));
      this.queue.credit();
    }
    // The client may still be sending: tell it to stop, without error, once the whole response,
    // trailers included, is written (RFC 9113, 8.1); a reset now would drop what is still queued.
    if (!this.requestEnded) this.stream.resetWhenSent(H2ErrorCode.NO_ERROR);
    this.onDrain();
  }
}
