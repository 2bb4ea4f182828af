/**
 * One HTTP/2 client session over one connected stream, with keepalive pings. It knows nothing
 * of calls: the channel asks it for streams and listens for its end; calls reset their streams
 * with resetStream().
 */
import { EventEmitter } from 'node:events';
import * as http2 from 'node:http2';
import { addAbortSignal, type Duplex } from 'node:stream';
import type { ChannelConnection, ChannelConnectionEvents, StreamOpener } from './call-transport';
import { handshakeFailed, handshakeTimedOut } from './handshake-error';
import { Keepalive, type KeepaliveOptions, type PingedConnection } from '../protocol/keepalive';

export interface ConnectionOptions extends KeepaliveOptions {
  authority: string;
  /** Whether the socket runs TLS (calls set `:scheme` from it). Default false. */
  secure?: boolean;
  /** Give up on the HTTP/2 handshake (the server's SETTINGS) after this many ms. */
  handshakeTimeoutMs: number;
  settings: http2.Settings;
  /** Receive window of the whole connection (HTTP/2's default is 64 KiB). */
  connectionWindowBytes: number;
  maxSessionMemory: number;
}

/** Events of an {@link Http2Connection}. */
export type ConnectionEvents = ChannelConnectionEvents;

export class Http2Connection extends EventEmitter<ConnectionEvents> implements StreamOpener, ChannelConnection, PingedConnection {
  private streams = 0;
  private readonly keepalive: Keepalive;
  private closed = false;
  private closeError: Error | undefined;
  draining = false;

  private constructor(
    readonly session: http2.ClientHttp2Session,
    private readonly options: ConnectionOptions,
  ) {
    super();
    session.on('goaway', () => {
      this.draining = true;
      this.emit('draining');
    });
    session.on('error', (error: Error) => {
      this.closeError ??= error;
    });
    session.once('close', () => this.onClose());
    this.keepalive = new Keepalive(this, options);
    this.keepalive.schedule();
  }

  /** Starts HTTP/2 on `socket` and resolves once the server's SETTINGS arrived. */
  static open(socket: Duplex, options: ConnectionOptions): Promise<Http2Connection> {
    return new Promise((resolve, reject) => {
      const session = http2.connect(`http://${options.authority}`, {
        createConnection: () => socket,
        settings: options.settings,
        maxSessionMemory: options.maxSessionMemory,
        maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
      } as http2.ClientSessionOptions);
      const timer = setTimeout(() => fail(handshakeTimedOut(options.handshakeTimeoutMs)), options.handshakeTimeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        session.removeListener('remoteSettings', ready);
        session.destroy();
        reject(error);
      };
      const ready = (): void => {
        clearTimeout(timer);
        session.setLocalWindowSize(options.connectionWindowBytes);
        session.removeListener('error', failed);
        session.removeListener('close', closedEarly);
        resolve(new Http2Connection(session, options));
      };
      const failed = (error: Error): void => fail(handshakeFailed(error));
      const closedEarly = (): void => fail(handshakeFailed(undefined));
      session.once('remoteSettings', ready);
      session.once('error', failed);
      session.once('close', closedEarly);
    });
  }

  get secure(): boolean {
    return this.options.secure === true;
  }

  /** Streams open on this connection. */
  get activeStreams(): number {
    return this.streams;
  }

  get isClosed(): boolean {
    return this.closed || this.session.closed || this.session.destroyed;
  }

  /** Opens a stream for one call. */
  request(headers: http2.OutgoingHttpHeaders): http2.ClientHttp2Stream {
    const stream = this.session.request(headers, { endStream: false });
    this.streams++;
    if (this.streams === 1) this.keepalive.schedule();
    stream.once('close', () => {
      this.streams--;
    });
    return stream;
  }

  /** Ends the session once its streams are done. */
  close(): void {
    if (!this.session.closed) this.session.close();
  }

  /** Ends the session now, streams included; 'close' reports `error`. */
  destroy(error?: Error): void {
    this.closeError ??= error;
    this.session.destroy();
  }

  /** Sends a PING (keepalive's); `callback` when it is acknowledged or the session failed first. */
  ping(callback: (error: Error | null) => void): void {
    this.session.ping((error) => callback(error));
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.keepalive.stop();
    this.emit('close', this.closeError);
  }
}

/**
 * Resets a stream with RST_STREAM(CANCEL) and nothing before it. `stream.close(NGHTTP2_CANCEL)`
 * would first end the request side (END_STREAM), so the server would see a complete request
 * stream and only then the cancellation. Node's http2 destroys a stream aborted through an
 * AbortSignal with CANCEL and without ending it.
 */
export function resetStream(stream: http2.ClientHttp2Stream): void {
  const controller = new AbortController();
  addAbortSignal(controller.signal, stream);
  controller.abort();
}
