/**
 * The frames the peer sends, checked against RFC 9113's rules and dispatched to the session and
 * its streams. Rule violations are thrown: ConnectionError ends the session, StreamError resets
 * one stream.
 */
import { ConnectionError, ERR_GOAWAY, StreamError, h2Error } from './errors';
import { addToWindow, type ReceiveWindow } from './flow-control';
import { Flag, FrameType, frameName, pingFrame, rstStreamFrame, settingsFrame } from './frame';
import type { FrameHandler } from './frame-reader';
import type { FloodGuard } from './flood-guard';
import type { FrameWriter } from './frame-writer';
import type { HeaderBlock, HeaderBlockAssembler } from './header-block';
import { stripPadding } from './header-block';
import type { HpackDecoder } from './hpack-decoder';
import { HpackError } from './hpack-error';
import type { PingTracker } from './ping';
import { applyPeerSettings, type LocalSettings } from './settings';
import type { SettingsDeadline } from './settings-deadline';
import { Stream } from './stream';
import { H2ErrorCode, type H2PeerSettings, type H2SessionOptions } from './types';

/** The session state the dispatcher reads and changes. */
export interface SessionCore {
  readonly client: boolean;
  readonly options: H2SessionOptions;
  readonly writer: FrameWriter;
  readonly local: LocalSettings;
  readonly peerSettings: H2PeerSettings;
  readonly streams: Map<number, Stream>;
  readonly decoder: HpackDecoder;
  readonly headerBlocks: HeaderBlockAssembler;
  readonly connectionReceive: ReceiveWindow;
  readonly pings: PingTracker;
  readonly guard: FloodGuard;
  readonly settingsDeadline: SettingsDeadline | undefined;
  readonly draining: boolean;
  readonly closed: boolean;
  connectionWindow: number;
  lastPeerStreamId: number;
  nextStreamId: number;
  resumeStreams(): void;
  creditConnection(bytes: number): void;
  peerGoaway(code: number, lastStreamId: number, error: Error | undefined): void;
  streamError(error: StreamError): void;
  /** Queues a frame the peer's frame asked for (an ACK, a refusal), counted by the flood guard. */
  answer(frame: Buffer, what: string): void;
  /** Creates a stream the peer opened (server role). */
  openPeerStream(id: number): Stream;
}

const ERROR_NAMES = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'];

export function errorCodeName(code: number): string {
  return ERROR_NAMES[code] ?? `error code 0x${code.toString(16)}`;
}

function protocolError(message: string): ConnectionError {
  return new ConnectionError(H2ErrorCode.PROTOCOL_ERROR, message);
}

export class IncomingFrames implements FrameHandler {
  private gotSettings = false;
  /** The stream the pieces of the DATA frame under way go to (undefined: dropped). */
  private pieceTarget: Stream | undefined;
  private pieceEnds = false;

  constructor(private readonly session: SessionCore) {}

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
    this.pieceTarget = undefined;
    if (this.session.closed) return;
    this.checkOrder(FrameType.DATA, flags, streamId);
    try {
      this.pieceTarget = this.takeData(flags, streamId, length);
      this.pieceEnds = (flags & Flag.END_STREAM) !== 0;
    } catch (error) {
      if (error instanceof StreamError) this.session.streamError(error);
      else throw error;
    }
  }

  onDataPiece(piece: Buffer, last: boolean): void {
    const stream = this.pieceTarget;
    // A stream closed between pieces was credited with the whole frame when it closed (`unconsumed`).
    if (stream === undefined || stream.closed || this.session.closed) return;
    if (last) this.pieceTarget = undefined;
    stream.receiveData(piece, last && this.pieceEnds);
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
        return this.data(flags, streamId, payload);
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

  /** A stream id that no stream has used yet. */
  private idle(streamId: number): boolean {
    const session = this.session;
    const peerInitiated = (streamId % 2 === 1) !== session.client;
    return peerInitiated ? streamId > session.lastPeerStreamId : streamId >= session.nextStreamId;
  }

  private data(flags: number, streamId: number, payload: Buffer): void {
    const stream = this.takeData(flags, streamId, payload.length, payload);
    if (stream === undefined) return;
    const data = stripPadding(FrameType.DATA, streamId, flags, payload);
    if (data.length < payload.length) stream.consume(payload.length - data.length); // padding is processed at once
    stream.receiveData(data, (flags & Flag.END_STREAM) !== 0);
  }

  /**
   * A DATA frame's header (and its padding, when the whole `payload` is there): checks it and takes
   * its `length` from the receive windows. Returns the
   * stream its payload goes to, or undefined when it is dropped (then credited back at once).
   */
  private takeData(flags: number, streamId: number, length: number, payload?: Buffer): Stream | undefined {
    const session = this.session;
    this.requireStream(FrameType.DATA, streamId);
    if (!session.connectionReceive.receive(length)) {
      throw new ConnectionError(
        H2ErrorCode.FLOW_CONTROL_ERROR,
        `DATA frame on stream ${streamId} larger than the connection's flow-control window (${length} > ${session.connectionReceive.window})`,
      );
    }
    if (payload !== undefined) stripPadding(FrameType.DATA, streamId, flags, payload); // throws on bad padding, on any stream
    const stream = session.streams.get(streamId);
    if (stream === undefined) {
      if (this.idle(streamId)) throw protocolError(`DATA frame on stream ${streamId}, which is not open`);
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

  private headerBlock(block: HeaderBlock | undefined): void {
    if (block === undefined) return;
    const session = this.session;
    let decoded;
    try {
      decoded = session.decoder.decode(block.block);
    } catch (error) {
      if (error instanceof HpackError) {
        throw new ConnectionError(H2ErrorCode.COMPRESSION_ERROR, `header block on stream ${block.streamId} cannot be decoded: ${error.message}`);
      }
      throw error;
    }
    const { streamId, endStream } = block;
    let stream = session.streams.get(streamId);
    if (stream === undefined) {
      if (!this.idle(streamId)) return; // a stream we reset or that ended: its late headers are dropped
      if (session.client) throw protocolError(`HEADERS frame on stream ${streamId}, which the client did not open`);
      if (streamId % 2 === 0) throw protocolError(`HEADERS frame on even stream ${streamId}: clients open odd streams`);
      session.lastPeerStreamId = streamId;
      if (session.draining) return; // after our GOAWAY: beyond its last stream id, not processed
      if (session.streams.size >= session.local.maxConcurrentStreams || session.options.onStream === undefined) {
        return this.refuse(streamId, H2ErrorCode.REFUSED_STREAM);
      }
      if (decoded.listSize > session.local.maxHeaderListSize || decoded.malformed !== undefined) {
        // Refused before the owner sees it: a request it could not have served.
        return this.refuse(streamId, decoded.malformed === undefined ? H2ErrorCode.REFUSED_STREAM : H2ErrorCode.PROTOCOL_ERROR);
      }
      stream = session.openPeerStream(streamId);
      stream.gotHeaders = true;
      if (endStream) stream.remoteEnded = true;
      stream.listener = session.options.onStream(stream, decoded.headers, endStream);
      return;
    }
    if (stream.remoteEnded) throw new StreamError(streamId, H2ErrorCode.STREAM_CLOSED, `HEADERS frame on stream ${streamId} after its END_STREAM`);
    if (decoded.listSize > session.local.maxHeaderListSize) {
      throw new StreamError(streamId, H2ErrorCode.PROTOCOL_ERROR, `header list on stream ${streamId} of ${decoded.listSize} bytes exceeds SETTINGS_MAX_HEADER_LIST_SIZE (${session.local.maxHeaderListSize})`);
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
    if (this.idle(streamId)) throw protocolError(`RST_STREAM frame on stream ${streamId}, which is not open`);
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
    if (this.idle(streamId)) throw protocolError(`WINDOW_UPDATE frame on stream ${streamId}, which is not open`);
    const stream = session.streams.get(streamId);
    if (stream === undefined) return;
    if (increment === 0) throw new StreamError(streamId, H2ErrorCode.PROTOCOL_ERROR, `WINDOW_UPDATE on stream ${streamId} with an increment of 0`);
    const window = addToWindow(stream.sendWindow, increment);
    if (window === undefined) throw new StreamError(streamId, H2ErrorCode.FLOW_CONTROL_ERROR, `WINDOW_UPDATE makes stream ${streamId}'s window exceed 2^31-1`);
    stream.sendWindow = window;
    stream.pull();
  }
}
