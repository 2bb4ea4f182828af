/** What a handler knows about its call, and how it adds response metadata. */
import { Metadata, status, type Deadline } from '@grpc/grpc-js';

/** The parts of a grpc-js server call (of any kind) a context needs. */
export interface ServerSurfaceCall {
  readonly metadata: Metadata;
  getPeer(): string;
  getPath(): string;
  getDeadline(): Deadline;
  sendMetadata(metadata: Metadata): void;
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}
import { RpcError } from '../errors';

/** What a handler gets besides the request: metadata, peer, deadline, cancellation signal, headers and trailers to send. */
export interface CallContext {
  /** The method's path, `/package.Service/Method`. */
  readonly method: string;
  /** The request metadata. */
  readonly metadata: Metadata;
  /** The peer, as a target string (`vsock:3:1024`, `hvsock:...`, `unix:unnamed-peer`). */
  readonly peer: string;
  /** The call's deadline, if the client set one. */
  readonly deadline: Date | undefined;
  /** Aborted when the client cancels or the deadline passes; its reason is an RpcError. */
  readonly signal: AbortSignal;
  /** Response headers: sent before the first response message (or with the status). */
  readonly header: Metadata;
  /** Trailers: sent with the status, whether the call succeeds or fails. */
  readonly trailer: Metadata;
  /** Sends `header` now, before any response; later changes to it are not sent. */
  sendHeader(): void;
}

export interface HandlerContext extends CallContext {
  /** The trailer if a handler read `trailer` (and so may have added to it); undefined if none did. */
  readonly trailerToSend: Metadata | undefined;
  /** Why the call was cancelled (CANCELLED or DEADLINE_EXCEEDED), once it was; reading it creates no signal. */
  readonly cancelReason: RpcError | undefined;
  /** Sends the header if it was not sent yet. */
  flushHeader(): void;
  /** Stops listening to the call. */
  dispose(): void;
}

/** Where a context sends its response headers: the grpc-js call, or the engine's call (undefined: no metadata). */
export interface HeaderSink {
  sendMetadata(metadata: Metadata | undefined): void;
}

/** Request metadata made when a handler first reads `context.metadata` (the engine server's calls). */
export interface MetadataSource {
  requestMetadata(): Metadata;
}

/**
 * The context of one call. Its AbortController is made only when the handler first reads
 * `signal` (most handlers never do, and one per call is measurable): a cancellation before that
 * is kept as `cancelReason`, and the signal is then born aborted with it. `metadata` may come
 * from a MetadataSource, asked on first read, and `header` and `trailer` are made on first read
 * too (three grpc-js Metadata per call are measurable). A class, not an object
 * literal with a getter: V8 builds such literals through the runtime, slower than the controller.
 * The server that owns the call tells it of a cancellation with cancel().
 */
export class ServerCallContext implements HandlerContext {
  cancelReason: RpcError | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private headerSent = false;
  private metadataValue: Metadata | undefined;
  private headerValue: Metadata | undefined = undefined;
  private trailerValue: Metadata | undefined = undefined;
  private deadlineValue: Date | undefined = undefined;

  /** `deadlineMs`: the deadline as Date.now() time, Infinity for none (its Date is made on first read). */
  constructor(
    readonly method: string,
    private readonly metadataSource: Metadata | MetadataSource,
    readonly peer: string,
    protected readonly deadlineMs: number,
    private readonly sink: HeaderSink,
  ) {}

  get deadline(): Date | undefined {
    if (this.deadlineValue === undefined && this.deadlineMs !== Infinity) this.deadlineValue = new Date(this.deadlineMs);
    return this.deadlineValue;
  }

  get metadata(): Metadata {
    if (this.metadataValue === undefined) {
      const source = this.metadataSource;
      this.metadataValue = source instanceof Metadata ? source : source.requestMetadata();
    }
    return this.metadataValue;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.cancelReason !== undefined) this.controller.abort(this.cancelReason);
    }
    return this.controller.signal;
  }

  get header(): Metadata {
    return (this.headerValue ??= new Metadata());
  }

  get trailer(): Metadata {
    return (this.trailerValue ??= new Metadata());
  }

  get trailerToSend(): Metadata | undefined {
    return this.trailerValue;
  }

  /** The call was cancelled (first reason wins): `cancelReason` is set and `signal` aborts. */
  cancel(reason: RpcError): void {
    if (this.cancelReason !== undefined) return;
    this.cancelReason = reason;
    this.controller?.abort(reason);
  }

  // Own function properties, as before: handlers may pass `context.sendHeader` around unbound.
  readonly sendHeader = (): void => {
    if (this.headerSent) return;
    this.headerSent = true;
    this.sink.sendMetadata(this.headerToSend());
  };

  readonly flushHeader = this.sendHeader;

  dispose(): void {}

  /** The header to send: undefined when no handler read it (the engine sends none). */
  protected headerToSend(): Metadata | undefined {
    return this.headerValue;
  }
}

function deadlineMsOf(call: ServerSurfaceCall): number {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : Infinity;
}

/**
 * grpc-js arms its deadline timer on the event loop's monotonic clock (whole milliseconds) but
 * reports the deadline as Date.now() + timeout, on the wall clock: the two round differently, so
 * its timer can fire while Date.now() is still a millisecond short of that Date. One clock tick of
 * slack reads that as the deadline.
 */
const CLOCK_TICK_MS = 1;

/** The context of a grpc-js call: grpc-js's 'cancelled' event (deadline or client) cancels it. */
class GrpcCallContext extends ServerCallContext {
  private readonly onCancelled = (): void => {
    this.cancel(
      this.deadlineMs <= Date.now() + CLOCK_TICK_MS
        ? new RpcError(status.DEADLINE_EXCEEDED, 'Deadline exceeded')
        : new RpcError(status.CANCELLED, 'Cancelled by the client'),
    );
  };

  constructor(private readonly call: ServerSurfaceCall) {
    super(call.getPath(), call.metadata, call.getPeer(), deadlineMsOf(call), call);
    call.on('cancelled', this.onCancelled);
  }

  // grpc-js's sendMetadata needs a Metadata: this sink always gets one.
  protected override headerToSend(): Metadata {
    return this.header;
  }

  override dispose(): void {
    this.call.removeListener('cancelled', this.onCancelled);
  }
}

export function createContext(call: ServerSurfaceCall): HandlerContext {
  return new GrpcCallContext(call);
}
