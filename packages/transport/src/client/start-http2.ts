/**
 * HTTP/2 on a connected (and, with TLS credentials, secured) socket: the connection a channel
 * keeps, on the engine its `http2` option names. Both get the same windows and bounds.
 */
import type { Duplex } from 'node:stream';
import type { ChannelConnection } from './call-transport';
import { Http2Connection } from './connection';
import { EngineConnection } from './engine-connection';
import type { KeepaliveOptions } from '../protocol/keepalive';
import type { Http2Engine } from './options';

/**
 * A larger receive window than HTTP/2's default 64 KiB keeps streams from stalling on
 * WINDOW_UPDATE round trips (local sockets have bandwidth, not latency, to spare).
 */
const STREAM_WINDOW_BYTES = 1 << 20;
const CONNECTION_WINDOW_BYTES = 8 << 20;
/**
 * The largest response header or trailer list the engine accepts (SETTINGS_MAX_HEADER_LIST_SIZE),
 * node:http2's default: without it a server could make one HPACK block expand without bound.
 */
const MAX_HEADER_LIST_BYTES = 65535;

export interface StartOptions extends KeepaliveOptions {
  authority: string;
  secure: boolean;
  handshakeTimeoutMs: number;
  /** node:http2's session memory bound (grpc-node.max_session_memory). */
  maxSessionMemory: number;
}

/** Resolves once the server's SETTINGS arrived; rejects when the handshake fails or times out. */
export function startHttp2(engine: Http2Engine, socket: Duplex, options: StartOptions): Promise<ChannelConnection> {
  if (engine === 'vmrpc') {
    return EngineConnection.open(socket, {
      ...options,
      settings: { initialWindowSize: STREAM_WINDOW_BYTES, maxHeaderListSize: MAX_HEADER_LIST_BYTES },
      connectionWindowBytes: CONNECTION_WINDOW_BYTES,
    });
  }
  return Http2Connection.open(socket, {
    ...options,
    settings: { enablePush: false, initialWindowSize: STREAM_WINDOW_BYTES },
    connectionWindowBytes: CONNECTION_WINDOW_BYTES,
  });
}
