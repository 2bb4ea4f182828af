/**
 * The surface of @vmrpc/transport's own HTTP/2 engine (RFC 9113 framing, RFC 7541 HPACK): one
 * session per connected stream, streams driven through plain callbacks instead of node:http2's
 * Duplex-per-stream objects. A gRPC call costs node:http2 a stream object, header objects and
 * several events per side; on call links that is most of a small call's CPU (docs/benchmarks.md,
 * "Where the time goes"). The wire stays HTTP/2, so either end may be node:http2, grpc-js, nghttp2
 * or this engine.
 */

/**
 * Header fields as one flat list: name0, value0, name1, value1, ... Names are lower-case;
 * pseudo-header fields (`:method`, `:path`, `:status`, ...) come first, as HTTP/2 requires.
 */
export type HeaderList = string[];

/** HTTP/2 error codes (RFC 9113, section 7) used by RST_STREAM and GOAWAY. */
export const H2ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/** What the owner of a stream (a call) is told about it. */
export interface H2StreamListener {
  /**
   * A complete header block (HEADERS and its CONTINUATIONs) arrived: the first one holds the
   * request or response headers, a later one the trailers. `endStream`: the peer ended its side.
   */
  onHeaders(headers: HeaderList, endStream: boolean): void;
  /**
   * DATA arrived (padding removed; may be empty when it only carries END_STREAM). The receive
   * windows are credited only by `stream.consume(n)`: a reader that stops consuming stops the peer.
   */
  onData(data: Buffer, endStream: boolean): void;
  /**
   * The stream ended abnormally, before both sides ended it: the peer's RST_STREAM (`code`), a
   * GOAWAY that left it unprocessed (REFUSED_STREAM), or the session closed or failed (`error`).
   * At most once; no other callback follows.
   */
  onReset(code: number, error: Error | undefined): void;
  /** Everything sendData() queued beyond the peer's flow-control window has been written. */
  onDrain?(): void;
}

/** One HTTP/2 stream of an {@link H2Session}. */
export interface H2Stream {
  readonly id: number;
  /** Sends a header block: the response headers, or trailers (with `endStream` true). */
  sendHeaders(headers: HeaderList, endStream: boolean): void;
  /**
   * Sends DATA within the peer's frame size and flow-control windows, queueing what does not fit
   * yet. Returns false when more than the session's `highWaterMark` bytes wait for the peer's
   * window: the writer should wait for `onDrain`.
   */
  sendData(data: Buffer, endStream: boolean): boolean;
  /** `bytes` of received DATA were processed: credits the stream's and the session's receive windows. */
  consume(bytes: number): void;
  /** Sends RST_STREAM with `code` (CANCEL, NO_ERROR, ...) and forgets the stream; no callback follows. */
  reset(code: number): void;
  /**
   * Sends RST_STREAM with `code` once everything queued (DATA, trailers) is written: a server that
   * answered in full stops the request body this way (RFC 9113, 8.1) without losing its answer. At
   * once when nothing waits; no reset when the peer ends its side first. Waits on the peer's window.
   */
  resetWhenSent(code: number): void;
  /**
   * Drops the DATA still queued (for a call that fails and will not wait on a peer that stopped
   * reading), so a header block sent next goes out at once. A message partly sent stays cut short.
   */
  discardQueued(): void;
  /** Both sides ended it, or it was reset. */
  readonly closed: boolean;
}

/** The SETTINGS this end announces (RFC 9113, section 6.5.2); unset values keep HTTP/2's defaults. */
export interface H2Settings {
  headerTableSize?: number;
  maxConcurrentStreams?: number;
  initialWindowSize?: number;
  maxFrameSize?: number;
  maxHeaderListSize?: number;
}

/** The peer's SETTINGS as they stand (HTTP/2's defaults until its SETTINGS frame arrives). */
export interface H2PeerSettings {
  headerTableSize: number;
  enablePush: boolean;
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  maxHeaderListSize: number;
}

/** Options of createH2Session(): the role, this end's SETTINGS and windows, and the session's callbacks. */
export interface H2SessionOptions {
  role: 'client' | 'server';
  settings?: H2Settings;
  /** This end's receive window for the whole connection (raised from 65535 with a WINDOW_UPDATE at start). */
  connectionWindowBytes?: number;
  /** Bytes queued per stream beyond the peer's window before sendData() returns false. Default 64 KiB. */
  highWaterMark?: number;
  /**
   * The peer's first SETTINGS frame must arrive within this many ms, else the session ends with
   * GOAWAY(SETTINGS_TIMEOUT) and an error. Default: no bound (the engine sets no timer), so
   * a server that accepts connections from untrusted peers should set it (or bound the handshake
   * before handing the socket over).
   */
  settingsTimeoutMs?: number;
  /** Server role: a request arrived; returns the listener of its stream. */
  onStream?(stream: H2Stream, headers: HeaderList, endStream: boolean): H2StreamListener;
  /** The peer's first SETTINGS frame arrived (the handshake is complete). */
  onRemoteSettings?(settings: H2PeerSettings): void;
  /** A later SETTINGS frame of the peer was applied (e.g. it raised MAX_CONCURRENT_STREAMS). */
  onSettingsUpdate?(settings: H2PeerSettings): void;
  /** The peer sent GOAWAY: no new streams; streams above `lastStreamId` are reset with REFUSED_STREAM. */
  onGoaway?(code: number, lastStreamId: number): void;
  /** The session ended: its socket closed, a protocol error, or destroy(). `error` when abnormal. Once. */
  onClose?(error: Error | undefined): void;
  /**
   * The frames of one socket read were handled (`reading` is false again): what they caused can be
   * told now, in the same turn, rather than on a tick of its own.
   */
  onReadEnd?(): void;
}

/** One HTTP/2 connection over one connected Duplex (a VM socket, a Unix socket, a TLS socket). */
export interface H2Session {
  /** Client role: opens a stream with these request headers. Throws once the session is closed or draining. */
  request(headers: HeaderList, endStream: boolean, listener: H2StreamListener): H2Stream;
  /** Sends PING; `callback` gets the round trip in ms, or the error that closed the session first. */
  ping(callback: (error: Error | undefined, rttMs: number) => void): void;
  /** Sends GOAWAY(NO_ERROR): no new streams; the socket closes once the active streams end. */
  drain(): void;
  /** Ends the session now: GOAWAY with `code` when it can, active streams reset, socket destroyed. */
  destroy(error?: Error, code?: number): void;
  readonly activeStreams: number;
  readonly closed: boolean;
  /** GOAWAY was sent or received. */
  readonly draining: boolean;
  /** True while the frames of a socket read are handled (stream listeners are called from it). */
  readonly reading: boolean;
  readonly peerSettings: H2PeerSettings;
}
