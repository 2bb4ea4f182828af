/**
 * createH2Session: one HTTP/2 connection over a connected Duplex, in the client or the server
 * role. The session owns the connection's state (settings, HPACK contexts, connection windows,
 * the stream table, GOAWAY) and dispatches incoming frames; streams own their own state.
 */
import type { Duplex } from 'node:stream';
import { ConnectionError, ERR_PROTOCOL, StreamError, closedError, h2Error } from './errors';
import { CLIENT_MAGIC, DEFAULT_WINDOW, MAX_STREAM_ID, rstStreamFrame, settingsFrame, windowUpdateFrame } from './frame';
import { FloodGuard } from './flood-guard';
import { FrameReader } from './frame-reader';
import { FrameWriter } from './frame-writer';
import { OutgoingGoaway, refuseUnprocessed } from './goaway';
import { HeaderBlockAssembler, maxHeaderBlockBytes } from './header-block';
import { HpackEncoder } from './hpack-encoder';
import { HpackDecoder } from './hpack-decoder';
import { IncomingFrames } from './incoming';
import type { SessionCore } from './session-core';
import { PingTracker } from './ping';
import { ClientPrefaceCheck, notAPreface } from './preface';
import { closeAfterFlush } from './close-flush';
import { connectionWindowOf, highWaterMarkOf, isClientRole } from './session-options';
import { ReceiveWindow } from './flow-control';
import { defaultPeerSettings, localSettings, type LocalSettings } from './settings';
import { SettingsDeadline } from './settings-deadline';
import { holdLastStream, releaseLastStream } from './last-stream';
import { SendWaiters } from './send-waiters';
import { Stream } from './stream';
import { H2ErrorCode, type H2PeerSettings, type H2Session, type H2SessionOptions, type H2Stream, type H2StreamListener, type HeaderList } from './types';

/** Starts an HTTP/2 session on a connected socket; the client role sends its preface at once. */
export function createH2Session(socket: Duplex, options: H2SessionOptions): H2Session {
  return new Session(socket, options);
}

class Session implements H2Session, SessionCore {
  readonly client: boolean;
  readonly writer: FrameWriter;
  readonly highWaterMark: number;
  readonly local: LocalSettings;
  readonly peerSettings: H2PeerSettings = defaultPeerSettings();
  readonly streams = new Map<number, Stream>();
  readonly decoder: HpackDecoder;
  readonly headerBlocks: HeaderBlockAssembler;
  readonly connectionReceive: ReceiveWindow;
  readonly pings = new PingTracker();
  readonly guard = new FloodGuard();
  connectionWindow = DEFAULT_WINDOW;
  /** Highest stream id the peer opened; the next one the client role opens. */
  lastPeerStreamId = 0;
  nextStreamId = 1;
  closed = false;
  draining = false;
  reading = false;
  private readonly goaway: OutgoingGoaway;
  private readonly encoder = new HpackEncoder();
  private readonly reader: FrameReader;
  private readonly incoming: IncomingFrames;
  private readonly waiting = new SendWaiters();
  readonly settingsDeadline: SettingsDeadline | undefined;
  /** The server role's check of the client preface; undefined in the client role or once done. */
  private preface: ClientPrefaceCheck | undefined;
  private closeError: Error | undefined;
  private closeNotified = false;

  constructor(
    private readonly socket: Duplex,
    readonly options: H2SessionOptions,
  ) {
    this.client = isClientRole(options);
    if (!this.client) this.preface = new ClientPrefaceCheck();
    const { local, pairs } = localSettings(options.settings ?? {}, this.client);
    this.local = local;
    this.highWaterMark = highWaterMarkOf(options);
    const connectionWindowBytes = connectionWindowOf(options);
    this.connectionReceive = new ReceiveWindow(connectionWindowBytes);
    this.decoder = new HpackDecoder(local.headerTableSize);
    this.headerBlocks = new HeaderBlockAssembler(maxHeaderBlockBytes(local.maxHeaderListSize));
    this.incoming = new IncomingFrames(this);
    this.reader = new FrameReader(this.incoming, local.maxFrameSize);
    this.writer = new FrameWriter(socket, this.onWritable);
    this.goaway = new OutgoingGoaway(this.writer);
    this.settingsDeadline = options.settingsTimeoutMs === undefined ? undefined : new SettingsDeadline(options.settingsTimeoutMs, (error) => this.connectionError(error));
    if (this.client) this.writer.push(CLIENT_MAGIC);
    this.writer.push(settingsFrame(pairs));
    if (connectionWindowBytes > DEFAULT_WINDOW) this.writer.push(windowUpdateFrame(0, connectionWindowBytes - DEFAULT_WINDOW));
    socket.on('data', this.onSocketData);
    socket.on('error', this.onSocketError);
    socket.on('end', this.onSocketEnd);
    socket.on('close', this.onSocketClose);
    // The session owns the socket's reads: one that arrives paused (accepted with pauseOnConnect,
    // or paused by whoever read a preface before us) must flow, and a 'data' listener alone does
    // not resume a socket paused explicitly.
    socket.resume();
    if (socket.destroyed) process.nextTick(this.onSocketClose);
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  get sendFrameSize(): number {
    return this.peerSettings.maxFrameSize;
  }

  request(headers: HeaderList, endStream: boolean, listener: H2StreamListener): H2Stream {
    if (!this.client) throw new TypeError('request() opens streams in the client role only');
    if (this.closed || this.draining) {
      throw closedError(this.closed ? 'the HTTP/2 session is closed' : 'the HTTP/2 session is draining (GOAWAY): open a new one');
    }
    const id = this.nextStreamId;
    if (id > MAX_STREAM_ID) throw closedError('the HTTP/2 session has used all its stream ids: open a new one');
    this.nextStreamId += 2;
    const stream = new Stream(id, this, this.peerSettings.initialWindowSize, this.local.initialWindowSize);
    stream.listener = listener;
    this.streams.set(id, stream);
    stream.sendHeaders(headers, endStream);
    return stream;
  }

  ping(callback: (error: Error | undefined, rttMs: number) => void): void {
    if (this.closed) {
      process.nextTick(callback, this.closeError ?? closedError('the HTTP/2 session is closed'), 0);
      return;
    }
    this.writer.push(this.pings.start(callback));
  }

  drain(): void {
    if (this.closed || this.goaway.sent) return;
    this.goaway.send(this.lastPeerStreamId, H2ErrorCode.NO_ERROR);
    this.draining = true;
    if (this.streams.size === 0) this.finish(undefined);
  }

  destroy(error?: Error, code?: number): void {
    if (this.closed) return;
    this.goaway.send(this.lastPeerStreamId, code ?? (error ? H2ErrorCode.INTERNAL_ERROR : H2ErrorCode.NO_ERROR));
    this.terminate(error, code ?? H2ErrorCode.CANCEL);
    this.socket.destroy();
  }

  // SessionCore: what streams and the frame dispatcher use.

  encodeHeaders(headers: HeaderList): Buffer {
    return this.encoder.encode(headers);
  }

  headerFrames(streamId: number, headers: HeaderList, endStream: boolean): Buffer {
    return this.encoder.frames(streamId, headers, endStream, this.peerSettings.maxFrameSize);
  }

  wait(stream: Stream): void {
    this.waiting.add(stream);
  }

  creditConnection(bytes: number): void {
    if (this.closed) return;
    const increment = this.connectionReceive.consume(bytes);
    if (increment > 0) this.writer.push(windowUpdateFrame(0, increment));
  }

  forget(stream: Stream): void {
    this.streams.delete(stream.id);
    if (!this.closed) holdLastStream(this, stream);
    this.waiting.remove(stream);
    if (this.draining && this.streams.size === 0 && !this.closed) process.nextTick(this.finishDrained);
  }

  openPeerStream(id: number): Stream {
    const stream = new Stream(id, this, this.peerSettings.initialWindowSize, this.local.initialWindowSize);
    this.streams.set(id, stream);
    return stream;
  }

  /** A window opened (WINDOW_UPDATE, SETTINGS) or the socket drained: waiting streams send. */
  resumeStreams(): void {
    this.waiting.resume();
  }

  /** The peer sent GOAWAY: streams it will not process are refused; the session ends after the rest. */
  peerGoaway(code: number, lastStreamId: number, error: Error | undefined): void {
    this.draining = true;
    if (error !== undefined && this.closeError === undefined) this.closeError = error;
    refuseUnprocessed(this.streams.values(), lastStreamId, this.client);
    this.options.onGoaway?.(code, lastStreamId);
    // A GOAWAY with an error code is the peer's connection error (RFC 9113, 5.4.1): it must close
    // the connection and will finish no stream, so they end now, as node:http2 ends the session,
    // rather than wait for a close that a peer may not send (grpc-js's server leaves it open).
    if (error !== undefined) this.finish(error);
    else if (this.streams.size === 0 && !this.closed) this.finish(undefined);
  }

  /** Sends RST_STREAM for a stream error and tells the stream's owner. */
  streamError(error: StreamError): void {
    const stream = this.streams.get(error.streamId);
    const failure = h2Error(ERR_PROTOCOL, error.h2Code, error.message);
    this.guard.answer(this.writer.outstandingBytes, 'a frame in error');
    if (stream === undefined) {
      this.writer.push(rstStreamFrame(error.streamId, error.h2Code));
      return;
    }
    stream.reset(error.h2Code);
    stream.listener.onReset(error.h2Code, failure);
  }

  answer(frame: Buffer, what: string): void {
    this.guard.answer(this.writer.outstandingBytes, what);
    this.writer.push(frame);
  }

  /** A connection error: GOAWAY with its code, every stream reset, the socket closed. */
  connectionError(error: ConnectionError): void {
    if (this.closed) return;
    this.goaway.send(this.lastPeerStreamId, error.h2Code, error.message);
    this.finish(h2Error(ERR_PROTOCOL, error.h2Code, error.message));
  }

  // Socket events.

  private readonly onSocketData = (chunk: Buffer): void => {
    if (this.closed) return;
    this.reading = true;
    try {
      if (this.preface !== undefined) {
        const rest = this.preface.take(chunk);
        if (rest === undefined) {
          this.goaway.withhold();
          throw notAPreface(chunk);
        }
        if (this.preface.done) this.preface = undefined;
        if (rest.length === 0) return;
        chunk = rest;
      }
      this.reader.push(chunk);
    } catch (error) {
      if (error instanceof ConnectionError) this.connectionError(error);
      else throw error;
    } finally {
      this.reading = false;
      this.options.onReadEnd?.();
    }
  };

  private readonly onSocketError = (error: Error): void => {
    if (this.closeError === undefined) this.closeError = error;
    this.terminate(error, H2ErrorCode.CANCEL);
    this.socket.destroy();
  };

  private readonly onSocketEnd = (): void => {
    if (!this.closed) this.finish(this.streams.size > 0 ? closedError(`the peer closed the connection with ${this.streams.size} streams open`) : undefined);
  };

  private readonly onSocketClose = (): void => {
    if (!this.closed) {
      const open = this.streams.size;
      this.terminate(open > 0 ? closedError(`the connection closed with ${open} streams open`) : undefined, H2ErrorCode.CANCEL);
    }
    if (this.closeNotified) return;
    this.closeNotified = true;
    this.socket.off('data', this.onSocketData);
    this.socket.off('end', this.onSocketEnd);
    this.options.onClose?.(this.closeError);
  };

  private readonly onWritable = (): void => {
    this.guard.drained();
    this.resumeStreams();
  };

  private readonly finishDrained = (): void => {
    if (!this.closed && this.streams.size === 0) this.finish(undefined);
  };

  /** Ends the session after writing what is queued: the socket is ended, then destroyed once flushed. */
  private finish(error: Error | undefined): void {
    if (this.closed) return;
    this.terminate(error, error === undefined ? H2ErrorCode.CANCEL : ((error as { h2Code?: number }).h2Code ?? H2ErrorCode.CANCEL));
    // Read after terminate(): its final flush (the GOAWAY, what was gathered) may be what filled the socket.
    closeAfterFlush(this.socket, this.writer.blocked);
  }

  /** Marks the session closed and tells every stream and ping; the caller closes the socket. */
  private terminate(error: Error | undefined, code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.draining = true;
    if (error !== undefined && this.closeError === undefined) this.closeError = error;
    this.reader.stop();
    this.writer.stop();
    this.settingsDeadline?.stop();
    const streamError = this.closeError ?? closedError('the HTTP/2 session closed');
    for (const stream of [...this.streams.values()]) stream.abort(code, streamError);
    this.streams.clear();
    releaseLastStream(this);
    this.waiting.clear();
    this.pings.fail(streamError);
  }
}
