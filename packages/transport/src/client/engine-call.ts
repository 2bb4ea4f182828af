/**
 * One RPC on a VM channel whose connections run the vmrpc HTTP/2 engine: CallBase's contract on
 * one H2Stream, the call itself being the stream's listener (no stream object, no events).
 *
 * Writes: a unary or server-streaming request comes with its half-close (sendLastMessage) and
 * goes out at once as one DATA frame carrying END_STREAM; any other message is held until the
 * end of the tick, so a half-close in the same tick still rides on it. A write the peer's window cannot take yet runs its callback on
 * onDrain (grpc-js's Writable waits for it). Reads: received DATA is credited to the flow-control
 * windows (consume) while a read credit is open; while none is, it is held back, so a reader that
 * stops stops the server.
 */
import { Metadata, status as Status, type StatusObject } from '@grpc/grpc-js';
import type { H2Stream, H2StreamListener, HeaderList } from '../h2/types';
import { H2ErrorCode } from '../h2/types';
import { statusFromRstCode } from '../protocol/status';
import { CallBase, runCallback, type QueuedWrite } from './call-base';
import type { EngineStreamOpener, StreamSlotWaiter } from './call-transport';
import { headerObject, httpStatusOf } from './engine-headers';

const EMPTY = Buffer.alloc(0);

export class EngineCall extends CallBase<EngineStreamOpener> implements H2StreamListener, StreamSlotWaiter {
  private stream: H2Stream | undefined;
  private headersReceived = false;
  private responseEnd = false;
  private requestEnded = false;
  /** The last message written, sent at the end of the tick (or with END_STREAM by halfClose). */
  private heldWrite: QueuedWrite | undefined;
  /** Writes the peer's window has not taken yet: their callbacks run on onDrain (made on first use). */
  private waitingForDrain: QueuedWrite[] | undefined;
  /** Received bytes not yet credited to the windows (no read credit was open). */
  private uncreditedBytes = 0;
  /** The request metadata while the call waits for room on the connection. */
  private requestMetadata: Metadata | undefined;

  protected get streamOpen(): boolean {
    return this.stream !== undefined;
  }

  protected get responseEnded(): boolean {
    return this.responseEnd;
  }

  protected openStream(connection: EngineStreamOpener, metadata: Metadata): void {
    this.requestMetadata = metadata;
    connection.whenStreamFree(this);
  }

  /** The connection has room for the stream (the server's MAX_CONCURRENT_STREAMS); until now writes queued. */
  startStream(): void {
    const connection = this.connection!;
    const metadata = this.requestMetadata!;
    this.requestMetadata = undefined;
    if (this.statusDelivered) return;
    // Built now, so grpc-timeout counts from when the request goes out.
    const headers = connection.requestHeaders(metadata, this.requestTarget(connection));
    // A call half-closed before any message (rare: no request message) ends with its HEADERS.
    const endStream = this.halfClosePending && this.writeQueue.length === 0;
    try {
      this.stream = connection.request(headers, endStream, this);
    } catch (error) {
      return this.endWithStatus({ code: Status.UNAVAILABLE, details: `Cannot start a stream: ${(error as Error).message}`, metadata: new Metadata() });
    }
    this.requestEnded = endStream;
    this.deliverAtReadEnds(connection);
    for (const write of this.writeQueue.splice(0)) this.writeFrame(write);
    if (this.halfClosePending) this.endRequest();
  }

  /** The connection went away before the call's stream started: another one carries it (no retry spent). */
  streamSlotLost(): void {
    this.requestMetadata = undefined;
    this.requestConnectionAgain();
  }

  protected dropRefusedStream(): void {
    const held = this.heldWrite;
    this.heldWrite = undefined;
    if (held !== undefined) process.nextTick(runCallback, held);
    this.stream = undefined;
    this.headersReceived = false;
    this.responseEnd = false;
    this.requestEnded = false;
    this.connection!.callEnded(this);
  }

  protected writeFrame(write: QueuedWrite): void {
    if (this.heldWrite !== undefined) this.send(this.heldWrite, false);
    else if (!this.halfCloseFollows) process.nextTick(EngineCall.sendHeldWrite, this);
    this.heldWrite = write;
  }

  protected endRequest(): void {
    if (this.requestEnded) return;
    this.requestEnded = true;
    const held = this.heldWrite;
    if (held !== undefined) return this.send(held, true);
    if (!this.stream!.closed) this.stream!.sendData(EMPTY, true);
  }

  protected resumeReading(): void {
    if (this.uncreditedBytes === 0 || this.stream === undefined) return;
    const bytes = this.uncreditedBytes;
    this.uncreditedBytes = 0;
    this.stream.consume(bytes);
  }

  protected resetStream(): void {
    this.releaseWrites();
    if (!this.stream!.closed) this.stream!.reset(H2ErrorCode.CANCEL);
  }

  /**
   * Bytes held back are given back when the call ends, however it ends: a stream the server
   * closed already (a reader that stopped after the status came) is not reset, and what it held
   * would otherwise stay taken from the connection's window for good.
   */
  protected override endWithStatus(status: StatusObject): void {
    super.endWithStatus(status);
    this.connection?.callEnded(this);
    if (this.uncreditedBytes === 0 || this.stream === undefined) return;
    const bytes = this.uncreditedBytes;
    this.uncreditedBytes = 0;
    this.stream.consume(bytes);
  }

  // ---- H2StreamListener ----

  onHeaders(list: HeaderList, endStream: boolean): void {
    if (endStream) this.responseEnd = true;
    const headers = headerObject(list);
    if (this.headersReceived) this.onTrailers(headers);
    else {
      this.headersReceived = true;
      this.onResponseHeaders(headers, httpStatusOf(headers));
    }
    if (endStream) this.onResponseEnd();
  }

  onData(data: Buffer, endStream: boolean): void {
    if (data.length > 0) {
      this.received.push(data);
      // Bytes of a call that has ended are credited at once: nobody will read them.
      if (this.received.full && !this.statusDelivered) this.uncreditedBytes += data.length;
      else this.stream!.consume(data.length);
    }
    if (endStream) {
      this.responseEnd = true;
      this.onResponseEnd();
    }
  }

  onReset(code: number): void {
    this.releaseWrites();
    if (this.statusDelivered) return;
    if (this.receivedStatus !== undefined) {
      this.readsDone = true;
      return this.maybeDeliverStatus();
    }
    if (code === H2ErrorCode.REFUSED_STREAM && this.retryRefusedStream()) return;
    // A session that failed or closed under the call is a lost connection: UNAVAILABLE, not CANCELLED.
    // A stream error on a live session (a response header list past our bound) is the stream's own.
    const lost = this.connection!.isClosed;
    const status = statusFromRstCode(code, lost ? this.transport.peer : undefined);
    this.endWithStatus({ ...status, metadata: new Metadata() });
  }

  onDrain(): void {
    this.releaseWrites();
  }

  // ---- internals ----

  /** The server ended its side: the status is in, or it never will be. */
  private onResponseEnd(): void {
    this.readsDone = true;
    if (this.statusDelivered) return;
    if (this.receivedStatus !== undefined) return this.maybeDeliverStatus();
    // END_STREAM without a status (trailers): end our side normally, and the call with an error.
    this.endRequest();
    this.endWithStatus({ code: Status.INTERNAL, details: 'The server ended the stream without a gRPC status', metadata: new Metadata() });
  }

  private send(write: QueuedWrite, endStream: boolean): void {
    this.heldWrite = undefined;
    const stream = this.stream!;
    if (stream.closed) return void process.nextTick(runCallback, write);
    if (stream.sendData(write.frame, endStream) && this.waitingForDrain === undefined) runCallback(write);
    else (this.waitingForDrain ??= []).push(write);
  }

  /** Runs the callbacks of writes waiting for the peer's window (drained, or the stream is gone). */
  private releaseWrites(): void {
    const writes = this.waitingForDrain;
    if (writes === undefined) return;
    this.waitingForDrain = undefined;
    for (const write of writes) runCallback(write);
  }

  private static sendHeldWrite(call: EngineCall): void {
    if (call.heldWrite !== undefined && !call.requestEnded) call.send(call.heldWrite, false);
  }
}
