/**
 * The frames the peer sends, checked against RFC 9113's rules and dispatched to the session and
 * its streams. Rule violations are thrown: ConnectionError ends the session, StreamError resets
 * one stream.
 */
import { ConnectionError, ERR_GOAWAY, StreamError, h2Error, protocolError } from './errors';
import { addToWindow } from './flow-control';
import { Flag, FrameType, frameName, pingFrame, rstStreamFrame, settingsFrame } from './frame';
import type { FrameHandler } from './frame-reader';
import type { HeaderBlock } from './header-block';
import { HpackError } from './hpack-error';
import { IncomingData } from './incoming-data';
import { isIdle, type SessionCore } from './session-core';
import { applyPeerSettings } from './settings';
import { H2ErrorCode } from './types';

const ERROR_NAMES = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'];

export function errorCodeName(code: number): string {
  return ERROR_NAMES[code] ?? `error code 0x${code.toString(16)}`;
}

export class IncomingFrames implements FrameHandler {
  private gotSettings = false;
  private readonly dataFrames: IncomingData;

  constructor(private readonly session: SessionCore) {
    this.dataFrames = new IncomingData(session);
  }

  onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.session.closed) return;
    this.checkOrder(type, flags, streamId);
    try {
      this.dispatch(type, flags, streamId, payload);
    } catch (error) {
      if (error instanceof StreamError) this.session.streamError(error);
      else throw error;
    }
  }

  onDataHeader(flags: number, streamId: number, length: number): void {
    if (this.session.closed) return;
    this.checkOrder(FrameType.DATA, flags, streamId);
    try {
      this.dataFrames.header(flags, streamId, length);
    } catch (error) {
      if (error instanceof StreamError) this.session.streamError(error);
      else throw error;
    }
  }

  onDataPiece(piece: Buffer, last: boolean): void {
    this.dataFrames.piece(piece, last);
  }

  private checkOrder(type: number, flags: number, streamId: number): void {
    if (!this.gotSettings && (type !== FrameType.SETTINGS || flags & Flag.ACK)) {
      throw protocolError(`the peer's first frame must be SETTINGS, got ${frameName(type)}`);
    }
    const expecting = this.session.headerBlocks.expecting;
    if (expecting !== 0 && (type !== FrameType.CONTINUATION || streamId !== expecting)) {
      throw protocolError(`${frameName(type)} frame on stream ${streamId} interrupts the header block of stream ${expecting}`);
    }
  }

  private dispatch(type: number, flags: number, streamId: number, payload: Buffer): void {
    const session = this.session;
    switch (type) {
      case FrameType.DATA:
        return this.dataFrames.frame(flags, streamId, payload);
      case FrameType.HEADERS:
        this.requireStream(type, streamId);
        return this.headerBlock(session.headerBlocks.headers(streamId, flags, payload));
      case FrameType.CONTINUATION:
        return this.headerBlock(session.headerBlocks.continuation(streamId, flags, payload));
      case FrameType.PRIORITY:
        return; // deprecated by RFC 9113 (5.3.2): ignored
      case FrameType.RST_STREAM:
        return this.rstStream(streamId, payload);
      case FrameType.SETTINGS:
        return this.settings(flags, streamId, payload);
      case FrameType.PUSH_PROMISE:
        throw protocolError(`PUSH_PROMISE on stream ${streamId}: server push is disabled`);
      case FrameType.PING:
        return this.ping(flags, streamId, payload);
      case FrameType.GOAWAY:
        return this.goaway(streamId, payload);
      case FrameType.WINDOW_UPDATE:
        return this.windowUpdate(streamId, payload);
      default:
        return; // unknown frame types are ignored (RFC 9113, 4.1)
    }
  }

  private requireStream(type: number, streamId: number): void {
    if (streamId === 0) throw protocolError(`${frameName(type)} frame on stream 0`);
  }

  private requireConnection(type: number, streamId: number): void {
    if (streamId !== 0) throw protocolError(`${frameName(type)} frame on stream ${streamId} (it belongs on stream 0)`);
  }

  private headerBlock(block: HeaderBlock | undefined): void {
    if (block === undefined) return;
    const session = this.session;
    let decoded;
    try {
      decoded = session.decoder.decode(block.block, session.local.maxHeaderListSize);
    } catch (error) {
      if (error instanceof HpackError) {
        throw new ConnectionError(H2ErrorCode.COMPRESSION_ERROR, `header block on stream ${block.streamId} cannot be decoded: ${error.message}`);
      }
      throw error;
    }
    const { streamId, endStream } = block;
    let stream = session.streams.get(streamId);
    if (stream === undefined) {
      if (!isIdle(this.session, streamId)) return; // a stream we reset or that ended: its late headers are dropped
      if (session.client) throw protocolError(`HEADERS frame on stream ${streamId}, which the client did not open`);
      if (streamId % 2 === 0) throw protocolError(`HEADERS frame on even stream ${streamId}: clients open odd streams`);
      session.lastPeerStreamId = streamId;
      if (session.draining) return; // after our GOAWAY: beyond its last stream id, not processed
      if (session.streams.size >= session.local.maxConcurrentStreams || session.options.onStream === undefined) {
        return this.refuse(streamId, H2ErrorCode.REFUSED_STREAM);
      }
      if (decoded.listSize > session.local.maxHeaderListSize || decoded.malformed !== undefined) {
        // Reset before the owner sees it: a request it could not have served. Not REFUSED_STREAM,
        // which invites a retry that would be refused again: ENHANCE_YOUR_CALM reads as
        // RESOURCE_EXHAUSTED to a gRPC client, the code of metadata over a limit.
        return this.refuse(streamId, decoded.malformed === undefined ? H2ErrorCode.ENHANCE_YOUR_CALM : H2ErrorCode.PROTOCOL_ERROR);
      }
      stream = session.openPeerStream(streamId);
      stream.gotHeaders = true;
      if (endStream) stream.remoteEnded = true;
      stream.listener = session.options.onStream(stream, decoded.headers, endStream);
      return;
    }
    if (stream.remoteEnded) throw new StreamError(streamId, H2ErrorCode.STREAM_CLOSED, `HEADERS frame on stream ${streamId} after its END_STREAM`);
    if (decoded.listSize > session.local.maxHeaderListSize) {
      // ENHANCE_YOUR_CALM, as nghttp2 resets it: a gRPC client reads it as RESOURCE_EXHAUSTED.
      throw new StreamError(streamId, H2ErrorCode.ENHANCE_YOUR_CALM, `header list on stream ${streamId} of ${decoded.listSize} bytes exceeds SETTINGS_MAX_HEADER_LIST_SIZE (${session.local.maxHeaderListSize})`);
    }
    if (decoded.malformed !== undefined) {
      throw new StreamError(streamId, H2ErrorCode.PROTOCOL_ERROR, `malformed header list on stream ${streamId}: ${decoded.malformed}`);
    }
    stream.receiveHeaders(decoded.headers, endStream);
  }

  /** A peer's new stream we will not serve: RST_STREAM, and it counts as a wasted stream. */
  private refuse(streamId: number, code: number): void {
    this.session.guard.wastedStream(streamId);
    this.session.answer(rstStreamFrame(streamId, code), 'HEADERS');
  }

  private rstStream(streamId: number, payload: Buffer): void {
    this.requireStream(FrameType.RST_STREAM, streamId);
    if (payload.length !== 4) throw new ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, `RST_STREAM frame on stream ${streamId} of ${payload.length} bytes (must be 4)`);
    if (isIdle(this.session, streamId)) throw protocolError(`RST_STREAM frame on stream ${streamId}, which is not open`);
    const stream = this.session.streams.get(streamId);
    if (stream === undefined) return;
    // A stream the peer opened and reset before it ended: the work it started was for nothing.
    if ((streamId % 2 === 1) !== this.session.client) this.session.guard.wastedStream(streamId);
    stream.abort(payload.readUInt32BE(0), undefined);
  }

  private settings(flags: number, streamId: number, payload: Buffer): void {
    const session = this.session;
    this.requireConnection(FrameType.SETTINGS, streamId);
    if (flags & Flag.ACK) {
      if (payload.length !== 0) throw new ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, `SETTINGS ACK with a payload of ${payload.length} bytes`);
      return;
    }
    const windowDelta = applyPeerSettings(session.peerSettings, payload);
    if (windowDelta !== 0) {
      for (const stream of session.streams.values()) {
        const window = addToWindow(stream.sendWindow, windowDelta);
        if (window === undefined) throw new ConnectionError(H2ErrorCode.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE makes stream ${stream.id}'s window exceed 2^31-1`);
        stream.sendWindow = window;
      }
    }
    session.answer(settingsFrame([], true), 'SETTINGS');
    if (!this.gotSettings) {
      this.gotSettings = true;
      session.settingsDeadline?.stop();
      session.options.onRemoteSettings?.({ ...session.peerSettings });
    } else session.options.onSettingsUpdate?.({ ...session.peerSettings });
    if (windowDelta > 0) session.resumeStreams();
  }

  private ping(flags: number, streamId: number, payload: Buffer): void {
    this.requireConnection(FrameType.PING, streamId);
    if (payload.length !== 8) throw new ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, `PING frame of ${payload.length} bytes (must be 8)`);
    if (flags & Flag.ACK) this.session.pings.acknowledged(payload);
    else this.session.answer(pingFrame(payload, true), 'PING');
  }

  private goaway(streamId: number, payload: Buffer): void {
    this.requireConnection(FrameType.GOAWAY, streamId);
    if (payload.length < 8) throw new ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, `GOAWAY frame of ${payload.length} bytes (at least 8)`);
    const lastStreamId = payload.readUInt32BE(0) & 0x7fffffff;
    const code = payload.readUInt32BE(4);
    const debug = payload.subarray(8).toString('utf8');
    const error =
      code === H2ErrorCode.NO_ERROR ? undefined : h2Error(ERR_GOAWAY, code, `the peer ended the HTTP/2 connection with GOAWAY ${errorCodeName(code)}${debug ? `: ${debug}` : ''}`);
    this.session.peerGoaway(code, lastStreamId, error);
  }

  private windowUpdate(streamId: number, payload: Buffer): void {
    const session = this.session;
    if (payload.length !== 4) throw new ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, `WINDOW_UPDATE frame of ${payload.length} bytes (must be 4)`);
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (increment === 0) throw protocolError('WINDOW_UPDATE of the connection with an increment of 0');
      const window = addToWindow(session.connectionWindow, increment);
      if (window === undefined) throw new ConnectionError(H2ErrorCode.FLOW_CONTROL_ERROR, `WINDOW_UPDATE makes the connection's window exceed 2^31-1`);
      session.connectionWindow = window;
      session.resumeStreams();
      return;
    }
    if (isIdle(this.session, streamId)) throw protocolError(`WINDOW_UPDATE frame on stream ${streamId}, which is not open`);
    const stream = session.streams.get(streamId);
    if (stream === undefined) return;
    if (increment === 0) throw new StreamError(streamId, H2ErrorCode.PROTOCOL_ERROR, `WINDOW_UPDATE on stream ${streamId} with an increment of 0`);
    const window = addToWindow(stream.sendWindow, increment);
    if (window === undefined) throw new StreamError(streamId, H2ErrorCode.FLOW_CONTROL_ERROR, `WINDOW_UPDATE makes stream ${streamId}'s window exceed 2^31-1`);
    stream.sendWindow = window;
    stream.pull();
  }
}
