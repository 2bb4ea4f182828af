/**
 * DATA frames from the peer: checked and taken from the receive windows on their header, then
 * handed to their stream whole, or in pieces as a frame split across socket reads arrives
 * (frame-reader.ts).
 */
import { ConnectionError, StreamError, protocolError } from './errors';
import { Flag, FrameType } from './frame';
import { stripPadding } from './header-block';
import { isIdle, type SessionCore } from './session-core';
import type { Stream } from './stream';
import { H2ErrorCode } from './types';

export class IncomingData {
  /** The stream the pieces of the DATA frame under way go to (undefined: dropped). */
  private pieceTarget: Stream | undefined;
  private pieceEnds = false;

  constructor(private readonly session: SessionCore) {}

  /** A whole DATA frame. */
  frame(flags: number, streamId: number, payload: Buffer): void {
    const stream = this.take(flags, streamId, payload.length, payload);
    if (stream === undefined) return;
    const data = stripPadding(FrameType.DATA, streamId, flags, payload);
    if (data.length < payload.length) stream.consume(payload.length - data.length); // padding is processed at once
    stream.receiveData(data, (flags & Flag.END_STREAM) !== 0);
  }

  /** The header of an unpadded DATA frame whose payload follows in pieces. */
  header(flags: number, streamId: number, length: number): void {
    this.pieceTarget = undefined; // stays so when take() throws
    this.pieceTarget = this.take(flags, streamId, length);
    this.pieceEnds = (flags & Flag.END_STREAM) !== 0;
  }

  piece(piece: Buffer, last: boolean): void {
    const stream = this.pieceTarget;
    // A stream closed between pieces was credited with the whole frame when it closed (`unconsumed`).
    if (stream === undefined || stream.closed || this.session.closed) return;
    if (last) this.pieceTarget = undefined;
    stream.receiveData(piece, last && this.pieceEnds);
  }

  /**
   * A DATA frame's header (and its padding, when the whole `payload` is there): checks it and takes
   * its `length` from the receive windows. Returns the stream its payload goes to, or undefined
   * when it is dropped (then credited back at once).
   */
  private take(flags: number, streamId: number, length: number, payload?: Buffer): Stream | undefined {
    const session = this.session;
    if (streamId === 0) throw protocolError('DATA frame on stream 0');
    if (!session.connectionReceive.receive(length)) {
      throw new ConnectionError(
        H2ErrorCode.FLOW_CONTROL_ERROR,
        `DATA frame on stream ${streamId} larger than the connection's flow-control window (${length} > ${session.connectionReceive.window})`,
      );
    }
    if (payload !== undefined) stripPadding(FrameType.DATA, streamId, flags, payload); // throws on bad padding, on any stream
    const stream = session.streams.get(streamId);
    if (stream === undefined) {
      if (isIdle(session, streamId)) throw protocolError(`DATA frame on stream ${streamId}, which is not open`);
      session.creditConnection(length); // a stream we reset or forgot: nobody consumes it
      return undefined;
    }
    if (stream.remoteEnded) {
      session.creditConnection(length);
      throw new StreamError(streamId, H2ErrorCode.STREAM_CLOSED, `DATA frame on stream ${streamId} after its END_STREAM`);
    }
    if (!stream.receiveWindow.receive(length)) {
      throw new ConnectionError(
        H2ErrorCode.FLOW_CONTROL_ERROR,
        `DATA frame on stream ${streamId} larger than the flow-control window (${length} > ${stream.receiveWindow.window})`,
      );
    }
    stream.unconsumed += length;
    return stream;
  }
}
