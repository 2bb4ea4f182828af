/**
 * One HTTP/2 stream: its half-closed states (RFC 9113, 5.1, as far as a gRPC peer needs), its
 * send window and the queue of what waits for it, its receive window. The session owns the
 * connection-wide state and hands frames to the stream; the stream calls its listener.
 */
import { ReceiveWindow } from './flow-control';
import { Flag, FrameType, frameHeader, headerBlockFrames, rstStreamFrame, windowUpdateFrame } from './frame';
import type { FrameWriter } from './frame-writer';
import type { H2Stream, H2StreamListener, HeaderList } from './types';

/** What a stream needs from its session. */
export interface StreamHost {
  readonly writer: FrameWriter;
  readonly highWaterMark: number;
  /** The peer's SETTINGS_MAX_FRAME_SIZE. */
  readonly sendFrameSize: number;
  /** The connection's send window (taken by DATA on any stream). */
  connectionWindow: number;
  encodeHeaders(headers: HeaderList): Buffer;
  /** HEADERS (and CONTINUATION) frames for `headers`, encoded and framed in one Buffer. */
  headerFrames(streamId: number, headers: HeaderList, endStream: boolean): Buffer;
  /** The stream waits for a window or the socket: call pull() when either opens. */
  wait(stream: Stream): void;
  /** Gives processed bytes back to the connection's receive window. */
  creditConnection(bytes: number): void;
  /** The stream closed: forget it. */
  forget(stream: Stream): void;
}

/** A queued header block (trailers behind queued DATA) or a DATA payload. */
interface Pending {
  headers: Buffer | undefined;
  data: Buffer;
  end: boolean;
}

const NO_LISTENER: H2StreamListener = {
  onHeaders() {},
  onData() {},
  onReset() {},
};

export class Stream implements H2Stream {
  listener: H2StreamListener = NO_LISTENER;
  closed = false;
  /** We sent (or queued) END_STREAM. */
  localEnded = false;
  /** The peer sent END_STREAM. */
  remoteEnded = false;
  /** A header block arrived already (the next one holds trailers). */
  gotHeaders = false;
  sendWindow: number;
  readonly receiveWindow: ReceiveWindow;
  /** Stream is in the session's wait list. */
  waiting = false;
  private readonly queue: Pending[] = [];
  private queuedBytes = 0;
  private needDrain = false;
  /** resetWhenSent(): the RST_STREAM code to send once the queue is empty. */
  private resetCode: number | undefined = undefined;
  /** Received DATA bytes the owner has not consume()d yet (given back to the connection on abort). */
  unconsumed = 0;
  /** DATA bytes sent and received so far (what a finished stream may still hold: last-stream.ts). */
  dataBytes = 0;

  constructor(
    readonly id: number,
    private readonly host: StreamHost,
    sendWindow: number,
    receiveWindow: number,
  ) {
    this.sendWindow = sendWindow;
    this.receiveWindow = new ReceiveWindow(receiveWindow);
  }

  sendHeaders(headers: HeaderList, endStream: boolean): void {
    if (this.closed) return;
    this.checkOpen('sendHeaders');
    if (endStream) this.localEnded = true;
    if (this.queue.length > 0) {
      // Behind queued DATA: framed when sent, at the peer's MAX_FRAME_SIZE of that moment.
      const block = this.host.encodeHeaders(headers);
      this.queue.push({ headers: block, data: block, end: endStream });
      return;
    }
    this.host.writer.push(this.host.headerFrames(this.id, headers, endStream));
    if (endStream) this.maybeClose();
  }

  sendData(data: Buffer, endStream: boolean): boolean {
    if (this.closed) return true;
    this.checkOpen('sendData');
    if (endStream) this.localEnded = true;
    const host = this.host;
    const size = data.length;
    this.dataBytes += size;
    if (this.queue.length === 0 && !host.writer.blocked && size <= this.sendWindow && size <= host.connectionWindow && size <= host.sendFrameSize) {
      // Nothing waits and the windows take it whole (a unary message): one frame, nothing queued.
      host.writer.push(frameHeader(size, FrameType.DATA, endStream ? Flag.END_STREAM : 0, this.id));
      if (size > 0) host.writer.push(data);
      this.sendWindow -= size;
      host.connectionWindow -= size;
      if (endStream) this.maybeClose();
      return true;
    }
    this.queue.push({ headers: undefined, data, end: endStream });
    this.queuedBytes += size;
    this.pull();
    if (this.queuedBytes <= this.host.highWaterMark) return true;
    this.needDrain = true;
    return false;
  }

  consume(bytes: number): void {
    bytes = Math.min(bytes, this.unconsumed);
    if (!(bytes > 0)) return;
    this.unconsumed -= bytes;
    this.host.creditConnection(bytes);
    if (this.closed || this.remoteEnded) return;
    const increment = this.receiveWindow.consume(bytes);
    if (increment > 0) this.host.writer.push(windowUpdateFrame(this.id, increment));
  }

  reset(code: number): void {
    if (this.closed) return;
    this.host.writer.push(rstStreamFrame(this.id, code));
    this.closeAbruptly();
  }

  resetWhenSent(code: number): void {
    if (this.closed) return;
    this.resetCode = code;
    if (this.queue.length === 0) this.reset(code);
  }

  discardQueued(): void {
    const queue = this.queue;
    let kept = 0;
    for (const pending of queue) if (pending.headers !== undefined) queue[kept++] = pending;
    queue.length = kept;
    this.queuedBytes = 0;
    // The owner dropped the data itself: it expects no onDrain for it.
    this.needDrain = false;
    if (kept > 0) this.pull();
  }

  /** Sends what the windows and the socket allow from the queue; waits for them otherwise. */
  pull(): void {
    const host = this.host;
    const queue = this.queue;
    while (queue.length > 0 && !this.closed) {
      const head = queue[0];
      if (head.headers !== undefined) {
        host.writer.push(headerBlockFrames(this.id, head.headers, head.end, host.sendFrameSize));
        queue.shift();
        continue;
      }
      const size = head.data.length;
      const allowed = Math.min(size, this.sendWindow, host.connectionWindow, host.sendFrameSize);
      if ((allowed <= 0 && size > 0) || host.writer.blocked) {
        host.wait(this);
        return;
      }
      const last = allowed === size;
      host.writer.push(frameHeader(allowed, FrameType.DATA, last && head.end ? Flag.END_STREAM : 0, this.id));
      if (allowed > 0) host.writer.push(last ? head.data : head.data.subarray(0, allowed));
      this.sendWindow -= allowed;
      host.connectionWindow -= allowed;
      this.queuedBytes -= allowed;
      if (last) queue.shift();
      else head.data = head.data.subarray(allowed);
    }
    if (this.closed) return;
    if (this.resetCode !== undefined && queue.length === 0 && !this.remoteEnded) return this.reset(this.resetCode);
    if (this.needDrain && this.queuedBytes <= this.host.highWaterMark) {
      this.needDrain = false;
      this.listener.onDrain?.();
    }
    this.maybeClose();
  }

  /** A header block from the peer. */
  receiveHeaders(headers: HeaderList, endStream: boolean): void {
    this.gotHeaders = true;
    if (endStream) this.remoteEnded = true;
    this.listener.onHeaders(headers, endStream);
    if (endStream) this.maybeClose();
  }

  /** DATA from the peer, padding removed, already taken from the receive windows. */
  receiveData(data: Buffer, endStream: boolean): void {
    this.dataBytes += data.length;
    if (endStream) this.remoteEnded = true;
    this.listener.onData(data, endStream);
    if (endStream) this.maybeClose();
  }

  /** The peer's RST_STREAM, a refusing GOAWAY or the end of the session. */
  abort(code: number, error: Error | undefined): void {
    if (this.closed) return;
    this.closeAbruptly();
    this.listener.onReset(code, error);
  }

  private checkOpen(operation: string): void {
    if (this.localEnded) {
      const error = new Error(`${operation}() on HTTP/2 stream ${this.id} after it sent END_STREAM`) as Error & { code: string };
      error.code = 'ERR_VMRPC_HTTP2_STREAM_ENDED';
      throw error;
    }
  }

  private maybeClose(): void {
    if (this.localEnded && this.remoteEnded && this.queue.length === 0 && !this.closed) this.close();
  }

  /** Closed before both ends ended: nobody will consume what arrived, so the connection gets it back. */
  private closeAbruptly(): void {
    const unconsumed = this.unconsumed;
    this.unconsumed = 0;
    this.close();
    if (unconsumed > 0) this.host.creditConnection(unconsumed);
  }

  private close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.host.forget(this);
  }
}
